// Presence and frequency penalties (OpenAI's definition) before argmax or sampling:
// logits[id] -= presence * (count[id] > 0) + frequency * count[id], where count[id] is how
// often `id` was generated so far in this request. One thread per logit; ids never generated
// are left untouched, so the pass writes only the few logits it changes.

struct Params {
  vocab: u32,
  presence: f32,
  frequency: f32,
  _pad: u32,
}

@group(0) @binding(0) var<storage, read_write> logits: array<f32>;  // (vocab) f32, penalized in place
@group(0) @binding(1) var<storage, read> counts: array<u32>;        // (vocab) u32 occurrences so far
@group(0) @binding(2) var<uniform> params: Params;                  // rewritten per request

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.vocab) {
    return;
  }
  let c = counts[i];
  if (c == 0u) {
    return;
  }
  logits[i] = logits[i] - (params.presence + params.frequency * f32(c));
}
