// Q4_0 weights: blocks of 32 values, value = (q - 8) * d with q a 4-bit quant and
// d an f16 scale per block. Repacked layout (q4_0.ts), B = N * K / 32 blocks in
// row-major order, so chunk g8 (values 8 g8 .. 8 g8 + 7) lies in block g8 / 4:
// w_q: (B) vec4<u32> — component w of block b holds its values 8w .. 8w+7, value
//      8w+i at bits 4i .. 4i+3 (GGUF keeps value j in the low nibble of byte j and
//      value j+16 in its high nibble; the repack reorders). Chunk g8 is w_q[g8 / 4][g8 % 4].
// w_s: (ceil(B / 2)) u32 — f16 d of block b in the low (b even) or high (b odd)
//      half of word b / 2.
// Affine: q = the nibble, scale d, sub 8 d ((q - 8) d = q d - 8 d exactly: both
// products are exact and so is their difference).

@group(0) @binding(0) var<storage, read> w_q: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> w_s: array<u32>;

// The affine's shape, for kernels that skip what is always 1 or 0.
const W_SCALED: bool = true;
const W_SUB: bool = true;

fn q4_0_d(b: u32) -> wf {
  return wf(unpack2x16float(w_s[b >> 1u])[b & 1u]);
}

fn w_quant8(g8: u32) -> Q8 {
  let q = nibbles8(w_q[g8 >> 2u][g8 & 3u]);
  let d = q4_0_d(g8 >> 2u);
  return Q8(q.lo, q.hi, d, wf(8.0) * d);
}

fn w_quant32(g8: u32) -> Q32 {
  let b = g8 >> 2u;
  let w = w_q[b];
  let q0 = nibbles8(w.x);
  let q1 = nibbles8(w.y);
  let q2 = nibbles8(w.z);
  let q3 = nibbles8(w.w);
  let d = q4_0_d(b);
  return Q32(q0.lo, q0.hi, q1.lo, q1.hi, q2.lo, q2.hi, q3.lo, q3.hi, wf4(d), wf4(wf(8.0) * d));
}
