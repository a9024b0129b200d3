// RoPE, in place on q (and k): token t of this step sits at position step.pos + t, and pair i of
// every head turns by theta = pos * base^(-2i/headDim) [/ freq_factor[i]].
//
// Angles are exact fixed-point "turns", not f32 radians: turns[i] holds base^(-2i/headDim) / 2π
// as a 64-bit fraction (host-computed in f64), so pos * turns[i] is an exact 96-bit integer product
// whose integer part (whole turns) is dropped and whose top 32 fraction bits give the angle in
// [0, 2π) for cos_sin_turns (sincos.wgsl), which reduces it exactly. f32 radians would lose up to
// 2^-8 rad at pos 131071 (half an ulp of 131071) before sin/cos even saw them.
//
// This part holds the angles and q's rotation; an entry point follows it: rope_main.wgsl (q and
// k in place) or rope_kv.wgsl (q in place, k rotated into the KV cache, v copied beside it).
// Needs from the composer: Step; pair_offsets and pair_of_dim (rope_adjacent / rope_halves);
// scaled_fraction (rope_plain / rope_factors); mul_wide (wide.wgsl); cos_sin_turns (sincos.wgsl).

struct Params {
  tokens: u32,   // rows of q and k the dispatch covers; each step rotates min(step.tokens, tokens)
  q_pairs: u32,  // n_heads * half
  k_pairs: u32,  // n_kv_heads * half (0 without k)
  half: u32,     // head_dim / 2
  ctx: u32,      // rows of the KV cache (rope_kv only)
}

@group(0) @binding(0) var<storage, read_write> q: array<f32>;      // (tokens, n_heads * head_dim) f32
@group(0) @binding(2) var<storage, read> turns: array<vec2<u32>>;  // (half) u64 as (hi, lo): 2^64 * base^(-2i/head_dim) / 2π
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<uniform> params: Params;

override WG: u32 = 64u;

// cos and sin of pair i's angle at position pos.
fn rope_cos_sin(pos: u32, i: u32) -> vec2<f32> {
  let f = turns[i];
  // pos * f as a 96-bit number: whole turns in `whole`, the 32-bit fraction in `frac` (the lowest
  // word, below 2^-32 turns, is dropped).
  let lo = mul_wide(pos, f.y);
  let hi = mul_wide(pos, f.x);
  let frac = lo.x + hi.y;
  let whole = hi.x + select(0u, 1u, frac < lo.x);
  return cos_sin_turns(scaled_fraction(whole, frac, i));
}

fn rotate(v: vec2<f32>, cs: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(v.x * cs.x - v.y * cs.y, v.x * cs.y + v.y * cs.x);
}

fn rotate_q(t: u32, p: u32, cs: vec2<f32>) {
  let at = t * params.q_pairs * 2u + pair_offsets(p);
  let v = rotate(vec2<f32>(q[at.x], q[at.y]), cs);
  q[at.x] = v.x;
  q[at.y] = v.y;
}
