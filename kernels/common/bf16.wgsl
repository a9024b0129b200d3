// BF16 weights (the upper 16 bits of an f32). Repacked layout (bf16.ts): each row
// padded with zeros to a multiple of 8 values, K8 = ceil(K / 8) chunks per row.
// w_q: (N, K8) vec4<u32>; word j of chunk g8 holds values 2j (low half) and 2j+1
// (high half), i.e. the GGUF bytes in order. No scales: the affine is (1, 0).

@group(0) @binding(0) var<storage, read> w_q: array<vec4<u32>>;

// The affine's shape, for kernels that skip what is always 1 or 0.
const W_SCALED: bool = false;
const W_SUB: bool = false;

fn bf16_chunk(g8: u32) -> W8 {
  let w = w_q[g8];
  let even = bitcast<vec4<f32>>(w << vec4<u32>(16u));        // values 0, 2, 4, 6
  let odd = bitcast<vec4<f32>>(w & vec4<u32>(0xffff0000u));  // values 1, 3, 5, 7
  return W8(wf4(vec4<f32>(even.x, odd.x, even.y, odd.y)), wf4(vec4<f32>(even.z, odd.z, even.w, odd.w)));
}

fn w_quant8(g8: u32) -> Q8 {
  let v = bf16_chunk(g8);
  return Q8(v.lo, v.hi, wf(1.0), wf(0.0));
}

fn w_quant32(g8: u32) -> Q32 {
  let a = bf16_chunk(g8);
  let b = bf16_chunk(g8 + 1u);
  let c = bf16_chunk(g8 + 2u);
  let d = bf16_chunk(g8 + 3u);
  return Q32(a.lo, a.hi, b.lo, b.hi, c.lo, c.hi, d.lo, d.hi, wf4(1.0), wf4(0.0));
}
