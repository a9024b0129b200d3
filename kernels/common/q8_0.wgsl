// Q8_0 weights: blocks of 32 values, value = q * d with q an int8 and d an f16
// scale per block. Repacked layout (q8_0.ts), B = N * K / 32 blocks in row-major
// order, so chunk g8 (values 8 g8 .. 8 g8 + 7) lies in block g8 / 4:
// w_q: (B, 2) vec4<u32> — the 32 int8 quants in GGUF order, 4 per word, value i
//      of a word at bits 8i .. 8i+7. Chunk g8 is the .xy (g8 even) or .zw half of w_q[g8 / 2].
// w_s: (ceil(B / 2)) u32 — f16 d of block b in the low (b even) or high (b odd)
//      half of word b / 2.
// Affine: q = the int8 + 128 (the byte with its top bit flipped), scale d, sub
// 128 d (q d - 128 d = (q - 128) d exactly, as in q4_0).

@group(0) @binding(0) var<storage, read> w_q: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> w_s: array<u32>;

// The affine's shape, for kernels that skip what is always 1 or 0.
const W_SCALED: bool = true;
const W_SUB: bool = true;

// The four int8 of w plus 128, byte i → component i.
fn q8_biased(w: u32) -> wf4 {
  return wf4(bytes4(w ^ 0x80808080u));
}

fn q8_0_d(b: u32) -> wf {
  return wf(unpack2x16float(w_s[b >> 1u])[b & 1u]);
}

fn w_quant8(g8: u32) -> Q8 {
  let v = w_q[g8 >> 1u];
  let w = select(v.xy, v.zw, (g8 & 1u) == 1u);
  let d = q8_0_d(g8 >> 2u);
  return Q8(q8_biased(w.x), q8_biased(w.y), d, wf(128.0) * d);
}

fn w_quant32(g8: u32) -> Q32 {
  let a = w_q[g8 >> 1u];
  let b = w_q[(g8 >> 1u) + 1u];
  let d = q8_0_d(g8 >> 2u);
  return Q32(
    q8_biased(a.x), q8_biased(a.y), q8_biased(a.z), q8_biased(a.w),
    q8_biased(b.x), q8_biased(b.y), q8_biased(b.z), q8_biased(b.w),
    wf4(d), wf4(wf(128.0) * d),
  );
}
