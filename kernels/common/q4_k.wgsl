// Q4_K weights: super-blocks of 256 values in 8 sub-blocks of 32;
// value = d * sc[j] * q - dmin * m[j], q a 4-bit quant, sc/m 6-bit per sub-block,
// d/dmin f16 per super-block. Repacked layout (q4_k.ts), S = N * K / 256
// super-blocks in row-major order, so chunk g8 lies in super-block g8 / 32,
// sub-block (g8 / 4) % 8:
// w_q: (S, 32) u32 — word w of a super-block holds its values 8w .. 8w+7, value
//      8w+i at bits 4i .. 4i+3 (GGUF interleaves them per 64 values as low then
//      high nibbles of 32 bytes; the repack reorders). Chunk g8 is word w_q[g8].
// w_s: (S) vec4<u32> — x: d (low half) | dmin (high half) as f16; y, z, w: the 12
//      packed 6-bit scale/min bytes as in GGUF (byte i at bits 8 (i % 4) of
//      component 1 + i / 4), unpacked here like ggml's get_scale_min_k4.

@group(0) @binding(0) var<storage, read> w_q: array<u32>;
@group(0) @binding(1) var<storage, read> w_s: array<vec4<u32>>;

// (sc, m) of sub-block j. With i = j % 4 it needs bytes i, i+4 and i+8: one per component.
fn q4k_scale_min(s: vec4<u32>, j: u32) -> vec2<u32> {
  let b = (s.yzw >> vec3<u32>(8u * (j & 3u))) & vec3<u32>(0xffu);
  let first = vec2<u32>(b.x, b.y) & vec2<u32>(63u);
  let last = vec2<u32>(b.z & 15u, b.z >> 4u) | ((vec2<u32>(b.x, b.y) >> vec2<u32>(6u)) << vec2<u32>(4u));
  return select(first, last, j >= 4u);
}

fn w_decode8(g8: u32) -> W8 {
  let s = w_s[g8 >> 5u];
  let dm = unpack2x16float(s.x);
  let sm = vec2<f32>(q4k_scale_min(s, (g8 >> 2u) & 7u));
  let d = wf(dm.x * sm.x);
  let m = wf4(wf(dm.y * sm.y));
  let q = vec4<u32>(w_q[g8]);
  let lo = (q >> vec4<u32>(0u, 4u, 8u, 12u)) & vec4<u32>(15u);
  let hi = (q >> vec4<u32>(16u, 20u, 24u, 28u)) & vec4<u32>(15u);
  return W8(wf4(lo) * d - m, wf4(hi) * d - m);
}
