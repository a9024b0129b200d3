// Q6_K weights: super-blocks of 256 values in 16 sub-blocks of 16;
// value = d * sc[j] * (q - 32), q a 6-bit quant, sc an int8 per sub-block, d f16
// per super-block. Repacked layout (q6_k.ts), S = N * K / 256 super-blocks in
// row-major order, so chunk g8 lies in super-block g8 / 32 at chunk c = g8 % 32:
// w_q: (S, 12) vec4<u32> = (S, 48) u32 — words 0..31: low 4 bits, value 8w+i at
//      bits 4i .. 4i+3 of word w; words 32..47: high 2 bits, value 16w+i at bits
//      2i .. 2i+1 of word 32+w (GGUF's ql/qh interleaving is undone by the repack).
// w_s: (S, 5) u32 — words 0..3: the 16 int8 scales, scale j at bits 8 (j % 4) of
//      word j / 4; word 4: f16 d in the low half.
// Affine: q = the 6-bit quant - 32, scale d * sc[j] (exact, as in ggml), sub 0.

@group(0) @binding(0) var<storage, read> w_q: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> w_s: array<u32>;

// The affine's shape, for kernels that skip what is always 1 or 0.
const W_SCALED: bool = true;
const W_SUB: bool = false;

// The chunk's 8 quants minus 32 from its low-bits word and its 16 high bits
// (value i at bits 2i), each field masked in place and scaled (see quant.wgsl).
fn q6k_quants(lo4: u32, hi2: u32) -> W8 {
  let l = nibbles8(lo4);
  let h = vec4<u32>(hi2);
  let hlo = vec4<f32>(h & vec4<u32>(0x3u, 0xcu, 0x30u, 0xc0u)) * vec4<f32>(16.0, 4.0, 1.0, 0.25);
  let hhi = vec4<f32>(h & vec4<u32>(0x300u, 0xc00u, 0x3000u, 0xc000u)) * vec4<f32>(0x1p-4, 0x1p-6, 0x1p-8, 0x1p-10);
  return W8(wf4(vec4<f32>(l.lo) + hlo - vec4<f32>(32.0)), wf4(vec4<f32>(l.hi) + hhi - vec4<f32>(32.0)));
}

// d * sc[j] for sub-block j (of 16 values) of super-block sb.
fn q6k_scale(sb: u32, j: u32) -> wf {
  let sc = bitcast<i32>(w_s[sb * 5u + (j >> 2u)] << (24u - 8u * (j & 3u))) >> 24u;
  return wf(unpack2x16float(w_s[sb * 5u + 4u]).x * f32(sc));
}

fn w_quant8(g8: u32) -> Q8 {
  let sb = g8 >> 5u;
  let c = g8 & 31u;
  let lo4 = w_q[sb * 12u + (c >> 2u)][c & 3u];
  let hi2 = w_q[sb * 12u + 8u + (c >> 3u)][(c >> 1u) & 3u] >> (16u * (c & 1u));
  let q = q6k_quants(lo4, hi2);
  return Q8(q.lo, q.hi, q6k_scale(sb, c >> 1u), wf(0.0));
}

fn w_quant32(g8: u32) -> Q32 {
  let sb = g8 >> 5u;
  let c = g8 & 31u;  // a multiple of 4: sub-blocks c / 2 and c / 2 + 1
  let lo = w_q[sb * 12u + (c >> 2u)];
  let hv = w_q[sb * 12u + 8u + (c >> 3u)];
  let h = select(hv.xy, hv.zw, (c & 4u) != 0u);  // high bits of chunks c, c+1 | c+2, c+3
  let q0 = q6k_quants(lo.x, h.x);
  let q1 = q6k_quants(lo.y, h.x >> 16u);
  let q2 = q6k_quants(lo.z, h.y);
  let q3 = q6k_quants(lo.w, h.y >> 16u);
  // Sub-blocks c / 2 and c / 2 + 1: one half of scale word c / 8, sign-extended by constant shifts.
  let sw = w_s[sb * 5u + (c >> 3u)];
  let half = select(sw & 0xffffu, sw >> 16u, (c & 4u) != 0u);
  let sc = vec2<f32>(vec2<i32>(bitcast<i32>(half << 24u) >> 24u, bitcast<i32>(half << 16u) >> 24u));
  let ds = sc * unpack2x16float(w_s[sb * 5u + 4u]).x;
  return Q32(q0.lo, q0.hi, q1.lo, q1.hi, q2.lo, q2.hi, q3.lo, q3.hi, wf4(wf(ds.x), wf(ds.x), wf(ds.y), wf(ds.y)), wf4(0.0));
}
