// F32 weights. Repacked layout (see weights.ts): each row padded with zeros to a
// multiple of 8 values, K8 = ceil(K / 8) chunks per row.
// w_q: (N, K8 * 8) f32 bits as u32. No scales.

@group(0) @binding(0) var<storage, read> w_q: array<u32>;

// Values 8*g8 .. 8*g8+7 of the padded row-major matrix: g8 = row * K8 + k / 8.
fn w_decode8(g8: u32) -> W8 {
  let i = g8 * 8u;
  let lo = vec4<f32>(bitcast<f32>(w_q[i]), bitcast<f32>(w_q[i + 1u]), bitcast<f32>(w_q[i + 2u]), bitcast<f32>(w_q[i + 3u]));
  let hi = vec4<f32>(bitcast<f32>(w_q[i + 4u]), bitcast<f32>(w_q[i + 5u]), bitcast<f32>(w_q[i + 6u]), bitcast<f32>(w_q[i + 7u]));
  return W8(wf4(lo), wf4(hi));
}
