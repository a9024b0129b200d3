// Q4_K weights: super-blocks of 256 values in 8 sub-blocks of 32;
// value = d * sc[j] * q - dmin * m[j], q a 4-bit quant, sc/m 6-bit per sub-block,
// d/dmin f16 per super-block. Repacked layout (q4_k.ts), S = N * K / 256
// super-blocks in row-major order, so chunk g8 lies in super-block g8 / 32,
// sub-block (g8 / 4) % 8:
// w_q: (S, 8) vec4<u32> — component w of sub-block vector g8 / 4 holds values
//      8w .. 8w+7 of that sub-block, value 8w+i at bits 4i .. 4i+3 (GGUF
//      interleaves them per 64 values as low then high nibbles of 32 bytes; the
//      repack reorders). Chunk g8 is w_q[g8 / 4][g8 % 4].
// w_s: (S, 5) u32 — word 0: d (low half) | dmin (high half) as f16; word 1 + j / 2:
//      sub-blocks j (even) and j + 1 as bytes sc_j, m_j, sc_{j+1}, m_{j+1} (the 6-bit
//      scales and mins, unpacked at repack time like ggml's get_scale_min_k4).
// Affine: q = the nibble, scale d * sc[j], sub dmin * m[j] (each product exact, as in ggml).

@group(0) @binding(0) var<storage, read> w_q: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> w_s: array<u32>;

// The affine's shape, for kernels that skip what is always 1 or 0.
const W_SCALED: bool = true;
const W_SUB: bool = true;

// (d * sc, dmin * m) of the sub-block holding chunk g8.
fn q4k_affine(g8: u32) -> vec2<wf> {
  let sb = g8 >> 5u;
  let j = (g8 >> 2u) & 7u;
  let dm = unpack2x16float(w_s[5u * sb]);
  let pair = w_s[5u * sb + 1u + (j >> 1u)];
  let h = select(pair & 0xffffu, pair >> 16u, (j & 1u) == 1u);
  let sm = vec2<f32>(f32(h & 0xffu), f32(h >> 8u));
  return vec2<wf>(dm * sm);
}

fn w_quant8(g8: u32) -> Q8 {
  let q = nibbles8(w_q[g8 >> 2u][g8 & 3u]);
  let a = q4k_affine(g8);
  return Q8(q.lo, q.hi, a.x, a.y);
}

fn w_quant32(g8: u32) -> Q32 {
  let w = w_q[g8 >> 2u];
  let a = q4k_affine(g8);
  let q0 = nibbles8(w.x);
  let q1 = nibbles8(w.y);
  let q2 = nibbles8(w.z);
  let q3 = nibbles8(w.w);
  return Q32(q0.lo, q0.hi, q1.lo, q1.hi, q2.lo, q2.hi, q3.lo, q3.hi, wf4(a.x), wf4(a.y));
}
