// Q4_0 weights: blocks of 32 values, value = (q - 8) * d with q a 4-bit quant and
// d an f16 scale per block. Repacked layout (q4_0.ts), B = N * K / 32 blocks in
// row-major order, so chunk g8 (values 8 g8 .. 8 g8 + 7) lies in block g8 / 4:
// w_q: (B, 4) u32 — word w of a block holds its values 8w .. 8w+7, value 8w+i at
//      bits 4i .. 4i+3 (GGUF keeps value j in the low nibble of byte j and value
//      j+16 in its high nibble; the repack reorders). Chunk g8 is word w_q[g8].
// w_s: (ceil(B / 2)) u32 — f16 d of block b in the low (b even) or high (b odd)
//      half of word b / 2.

@group(0) @binding(0) var<storage, read> w_q: array<u32>;
@group(0) @binding(1) var<storage, read> w_s: array<u32>;

fn w_decode8(g8: u32) -> W8 {
  let b = g8 >> 2u;
  let d = wf(unpack2x16float(w_s[b >> 1u])[b & 1u]);
  let q = vec4<u32>(w_q[g8]);
  let lo = vec4<i32>((q >> vec4<u32>(0u, 4u, 8u, 12u)) & vec4<u32>(15u)) - vec4<i32>(8);
  let hi = vec4<i32>((q >> vec4<u32>(16u, 20u, 24u, 28u)) & vec4<u32>(15u)) - vec4<i32>(8);
  return W8(wf4(lo) * d, wf4(hi) * d);
}
