// Entry point: q (and k) rotated in place. One thread per (token, head, pair); q's pairs come
// first in a row, then k's (qk variant). Needs rotate_k (rope_q / rope_qk).

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let g = (wid.x + wid.y * nwg.x) * WG + lid;
  let row_pairs = params.q_pairs + params.k_pairs;
  let t = g / row_pairs;
  if (t >= min(step.tokens, params.tokens)) {
    return;
  }
  let p = g - t * row_pairs;
  let cs = rope_cos_sin(step.pos + t, p % params.half);
  if (p < params.q_pairs) {
    rotate_q(t, p, cs);
  } else {
    rotate_k(t, p - params.q_pairs, cs);
  }
}
