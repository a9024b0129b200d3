// The greedy answer goes to `out` (kept when the step's temperature means greedy, or nothing can be
// sampled); the sampler's passes read the max and count candidates from `state`.
@group(0) @binding(1) var<storage, read_write> out: array<u32>;  // (1) token id, or (2) id and prob (f32 bits)
@group(0) @binding(2) var<storage, read_write> state: SampleState;

struct SampleState {
  max_key: u32,
  max_id: u32,
  count: u32,  // candidates found by sample_gather (atomic there); reset here every step
  _pad: u32,
}

fn publish(best: vec2<u32>) {
  out[0] = best.y;
  if (arrayLength(&out) > 1u) {
    out[1] = bitcast<u32>(1.0);
  }
  state.max_key = best.x;
  state.max_id = best.y;
  state.count = 0u;
}
