// F32 weights. Repacked layout (f32.ts): each row padded with zeros to a
// multiple of 8 values, K8 = ceil(K / 8) chunks per row.
// w_q: (N, K8, 2) vec4<u32> = (N, K8 * 8) f32 bits; chunk g8 is w_q[2 g8], w_q[2 g8 + 1].
// No scales: the affine is (1, 0).

@group(0) @binding(0) var<storage, read> w_q: array<vec4<u32>>;

// The affine's shape, for kernels that skip what is always 1 or 0.
const W_SCALED: bool = false;
const W_SUB: bool = false;

fn f32_chunk(g8: u32) -> W8 {
  return W8(wf4(bitcast<vec4<f32>>(w_q[2u * g8])), wf4(bitcast<vec4<f32>>(w_q[2u * g8 + 1u])));
}

fn w_quant8(g8: u32) -> Q8 {
  let v = f32_chunk(g8);
  return Q8(v.lo, v.hi, wf(1.0), wf(0.0));
}

fn w_quant32(g8: u32) -> Q32 {
  let a = f32_chunk(g8);
  let b = f32_chunk(g8 + 1u);
  let c = f32_chunk(g8 + 2u);
  let d = f32_chunk(g8 + 3u);
  return Q32(a.lo, a.hi, b.lo, b.hi, c.lo, c.hi, d.lo, d.hi, wf4(1.0), wf4(0.0));
}
