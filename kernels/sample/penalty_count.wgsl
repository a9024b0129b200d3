// After the sampler: count the id it chose (ids[0]) for the next step's penalties.
// One thread; ids outside the vocabulary are ignored.

struct Params {
  vocab: u32,
}

@group(0) @binding(0) var<storage, read> ids: array<u32>;            // (>= 1) u32: ids[0] is the chosen id
@group(0) @binding(1) var<storage, read_write> counts: array<u32>;   // (vocab) u32 occurrences so far
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(1)
fn main() {
  let id = ids[0];
  if (id < params.vocab) {
    counts[id] = counts[id] + 1u;
  }
}
