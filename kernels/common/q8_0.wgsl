// Q8_0 weights: blocks of 32 values, value = q * d with q an int8 and d an f16
// scale per block. Repacked layout (q8_0.ts), B = N * K / 32 blocks in row-major
// order, so chunk g8 (values 8 g8 .. 8 g8 + 7) lies in block g8 / 4:
// w_q: (B, 4) vec2<u32> — the 32 int8 quants in GGUF order, 4 per word, value i
//      of a word at bits 8i .. 8i+7. Chunk g8 is w_q[g8].
// w_s: (ceil(B / 2)) u32 — f16 d of block b in the low (b even) or high (b odd)
//      half of word b / 2.

@group(0) @binding(0) var<storage, read> w_q: array<vec2<u32>>;
@group(0) @binding(1) var<storage, read> w_s: array<u32>;

// Sign-extends the four bytes of `w`, byte i → component i.
fn q8_bytes(w: u32) -> vec4<i32> {
  return bitcast<vec4<i32>>(vec4<u32>(w) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u);
}

fn w_decode8(g8: u32) -> W8 {
  let b = g8 >> 2u;
  let d = wf(unpack2x16float(w_s[b >> 1u])[b & 1u]);
  let q = w_q[g8];
  return W8(wf4(q8_bytes(q.x)) * d, wf4(q8_bytes(q.y)) * d);
}
