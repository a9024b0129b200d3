// Sampling, pass 1 (after the argmax passes): every token with a nonzero weight is a candidate;
// the first `gather_cap` of them (in no particular order) go to `cand`, and state.count counts all
// of them. The final pass selects, sorts and draws from these; if count > gather_cap (a nearly flat
// distribution) it rescans the logits instead, so the result never depends on arrival order.

struct Params {
  vocab: u32,
  chunk: u32,       // logits per workgroup
  gather_cap: u32,  // capacity of cand
}

struct SampleState {
  max_key: u32,
  max_id: u32,
  count: atomic<u32>,
  _pad: u32,
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;         // (vocab) f32
@group(0) @binding(1) var<storage, read_write> state: SampleState;
@group(0) @binding(2) var<storage, read_write> cand: array<u32>;     // (gather_cap) token ids
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<storage, read> exp2_table: array<u32>;     // (257) round(2^24 * 2^(-j/256))

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (!sampling_active() || state.max_key == 0u) {
    return;
  }
  let m = clamped_logit(key_bits(state.max_key));
  let s = log2e_over_temperature();
  let start = wid.x * params.chunk;
  let end = min(start + params.chunk, params.vocab);
  for (var i = start + lid; i < end; i += WG) {
    if (logit_weight(bitcast<u32>(logits[i]), m, s) > 0u) {
      let slot = atomicAdd(&state.count, 1u);
      if (slot < params.gather_cap) {
        cand[slot] = i;
      }
    }
  }
}
