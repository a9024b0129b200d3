// F32 weights. Repacked layout (f32.ts): each row padded with zeros to a
// multiple of 8 values, K8 = ceil(K / 8) chunks per row.
// w_q: (N, K8, 2) vec4<u32> = (N, K8 * 8) f32 bits; chunk g8 is w_q[2 g8], w_q[2 g8 + 1].
// No scales.

@group(0) @binding(0) var<storage, read> w_q: array<vec4<u32>>;

// Values 8*g8 .. 8*g8+7 of the padded row-major matrix: g8 = row * K8 + k / 8.
fn w_decode8(g8: u32) -> W8 {
  return W8(wf4(bitcast<vec4<f32>>(w_q[2u * g8])), wf4(bitcast<vec4<f32>>(w_q[2u * g8 + 1u])));
}
