// Q6_K weights: super-blocks of 256 values in 16 sub-blocks of 16;
// value = d * sc[j] * (q - 32), q a 6-bit quant, sc an int8 per sub-block, d f16
// per super-block. Repacked layout (q6_k.ts), S = N * K / 256 super-blocks in
// row-major order, so chunk g8 lies in super-block g8 / 32 at chunk c = g8 % 32:
// w_q: (S, 48) u32 — words 0..31: low 4 bits, value 8w+i at bits 4i .. 4i+3 of
//      word w; words 32..47: high 2 bits, value 16w+i at bits 2i .. 2i+1 of word
//      32+w (GGUF's ql/qh interleaving is undone by the repack).
// w_s: (S, 5) u32 — words 0..3: the 16 int8 scales, scale j at bits 8 (j % 4) of
//      word j / 4; word 4: f16 d in the low half.

@group(0) @binding(0) var<storage, read> w_q: array<u32>;
@group(0) @binding(1) var<storage, read> w_s: array<u32>;

fn w_decode8(g8: u32) -> W8 {
  let sb = g8 >> 5u;
  let c = g8 & 31u;
  let lo4 = vec4<u32>(w_q[sb * 48u + c]);
  let hi2 = vec4<u32>(w_q[sb * 48u + 32u + (c >> 1u)] >> (16u * (c & 1u)));
  let j = c >> 1u;
  let sc = bitcast<i32>(w_s[sb * 5u + (j >> 2u)] << (24u - 8u * (j & 3u))) >> 24u;
  let d = wf(unpack2x16float(w_s[sb * 5u + 4u]).x * f32(sc));
  let lo = ((lo4 >> vec4<u32>(0u, 4u, 8u, 12u)) & vec4<u32>(15u)) | (((hi2 >> vec4<u32>(0u, 2u, 4u, 6u)) & vec4<u32>(3u)) << vec4<u32>(4u));
  let hi = ((lo4 >> vec4<u32>(16u, 20u, 24u, 28u)) & vec4<u32>(15u)) | (((hi2 >> vec4<u32>(8u, 10u, 12u, 14u)) & vec4<u32>(3u)) << vec4<u32>(4u));
  return W8(wf4(vec4<i32>(lo) - vec4<i32>(32)) * d, wf4(vec4<i32>(hi) - vec4<i32>(32)) * d);
}
