// F16 weights (IEEE half). Repacked layout (f16.ts): each row padded with zeros
// to a multiple of 8 values, K8 = ceil(K / 8) chunks per row.
// w_q: (N, K8) vec4<u32>; word j of chunk g8 holds values 2j (low half) and 2j+1
// (high half), i.e. the GGUF bytes in order. No scales: the affine is (1, 0).

@group(0) @binding(0) var<storage, read> w_q: array<vec4<u32>>;

// The affine's shape, for kernels that skip what is always 1 or 0.
const W_SCALED: bool = false;
const W_SUB: bool = false;

fn f16_chunk(g8: u32) -> W8 {
  let w = w_q[g8];
  return W8(wf4(vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y))), wf4(vec4<f32>(unpack2x16float(w.z), unpack2x16float(w.w))));
}

fn w_quant8(g8: u32) -> Q8 {
  let v = f16_chunk(g8);
  return Q8(v.lo, v.hi, wf(1.0), wf(0.0));
}

fn w_quant32(g8: u32) -> Q32 {
  let a = f16_chunk(g8);
  let b = f16_chunk(g8 + 1u);
  let c = f16_chunk(g8 + 2u);
  let d = f16_chunk(g8 + 3u);
  return Q32(a.lo, a.hi, b.lo, b.hi, c.lo, c.hi, d.lo, d.hi, wf4(1.0), wf4(0.0));
}
