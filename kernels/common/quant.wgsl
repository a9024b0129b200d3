// The affine form every weight decoder answers in (weights.ts): quants q and,
// per 8 values, a scale and a `sub` with value = q · scale - sub, in f32 equal
// bit for bit to ggml's dequantize_row_* (each type's header says why). q is a
// small exact integer for every block-quantized type: the raw field where the
// zero point folds exactly into sub (q4_0: sub = 8 d, q8_0: q + 128 and sub =
// 128 d, q4_k: sub = dmin · m), else shifted in place (q6_k: q - 32, sub 0).
// Float types give their values with scale 1 and sub 0, which compilers fold.
//
// A matrix-vector kernel defers the scaling: Σ value · x over 8 values is
// scale · dot(q, x) - sub · Σ x, one multiply per 8 weights instead of 16, and
// Σ x shared by every row. A decoder defines
//   fn w_quant8(g8: u32) -> Q8    values 8 g8 .. 8 g8 + 7 (the w_decode8 contract)
//   fn w_quant32(g8: u32) -> Q32  chunks g8 .. g8 + 3 of one row, g8 a multiple of 4
//                                 when K is whole blocks of 32 (float rows may not be)
// plus `const W_SCALED: bool` (false: scale is always 1) and `const W_SUB: bool`
// (false: sub is always 0), and w_decode8 below is the one dequantization every
// kernel shares.

/** Eight quants of one chunk with their affine: value = q · scale - sub. */
struct Q8 {
  lo: wf4,
  hi: wf4,
  scale: wf,
  sub: wf,
}

/** Four consecutive chunks j = 0..3: quants q{2j}, q{2j+1}, affine scale[j], sub[j]. */
struct Q32 {
  q0: wf4,
  q1: wf4,
  q2: wf4,
  q3: wf4,
  q4: wf4,
  q5: wf4,
  q6: wf4,
  q7: wf4,
  scale: wf4,
  sub: wf4,
}

// Bit fields are extracted by masking them in place and scaling the converted
// value back by a power of two (exact): one AND, one conversion and one multiply
// per value, and no shift by a per-component amount (which CPU drivers emulate
// lane by lane).

/** The 8 nibbles of w as exact integers 0..15, value i from bits 4i .. 4i+3. */
fn nibbles8(w: u32) -> W8 {
  let v = vec4<u32>(w);
  let lo = vec4<f32>(v & vec4<u32>(0xfu, 0xf0u, 0xf00u, 0xf000u)) * vec4<f32>(1.0, 0x1p-4, 0x1p-8, 0x1p-12);
  let hi = vec4<f32>(v & vec4<u32>(0xf0000u, 0xf00000u, 0xf000000u, 0xf0000000u)) * vec4<f32>(0x1p-16, 0x1p-20, 0x1p-24, 0x1p-28);
  return W8(wf4(lo), wf4(hi));
}

/** The 4 bytes of w as exact integers 0..255, byte i from bits 8i .. 8i+7. */
fn bytes4(w: u32) -> vec4<f32> {
  return vec4<f32>(vec4<u32>(w) & vec4<u32>(0xffu, 0xff00u, 0xff0000u, 0xff000000u)) * vec4<f32>(1.0, 0x1p-8, 0x1p-16, 0x1p-24);
}

// Values 8*g8 .. 8*g8+7 of the (padded) row-major matrix: g8 = row * K8 + k / 8.
fn w_decode8(g8: u32) -> W8 {
  let q = w_quant8(g8);
  return W8(q.lo * q.scale - wf4(q.sub), q.hi * q.scale - wf4(q.sub));
}
