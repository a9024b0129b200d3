// The sampler's arithmetic, defined so a CPU reference reproduces every decision bit for bit
// (packages/reference/src/sample.ts mirrors each function here):
// - float work is limited to one f32 subtraction and one f32 multiplication per logit, which
//   WGSL rounds correctly (and no a * b + c that a compiler could fuse);
// - 1 / temperature is integer long division; exp is a 257-entry table of 2^(-j/256) with
//   integer interpolation; sums, top-p and the draw are exact integer comparisons.
// Weights: w = round-ish(2^20 * 2^z), z = (logit - max) * log2(e) / temperature, so w is in
// [0, 2^20] and 1024 of them sum below 2^31. Tokens with z <= -21 (p < 5e-7 of the top token's)
// weigh 0 and are never candidates.
//
// Needs: Step, `step` bound, exp2_table bound, mul_wide / lt64 (wide.wgsl).

const LOG2E_Q31: u32 = 3098164009u;   // floor(log2(e) * 2^31)
const T_MIN_BITS: u32 = 0x35800000u;  // 2^-20: a smaller (or negative, NaN, infinite) temperature is greedy
const BIG_BITS: u32 = 0x7149f2cau;    // 1e30: logits are clamped to ±1e30 so differences stay finite
const NEG_INF_BITS: u32 = 0xff800000u;

fn sampling_active() -> bool {
  let t = bitcast<u32>(step.temperature);
  return t >= T_MIN_BITS && t < 0x7f800000u;
}

// log2(e) / temperature, for an active temperature: a 25-bit quotient by long division, truncated
// to 24 bits, then scaled by a power of two (exact unless the result is subnormal, where every
// z rounds to 0 either way).
fn log2e_over_temperature() -> f32 {
  let t = bitcast<u32>(step.temperature);
  let mant = (t & 0x7fffffu) | 0x800000u;
  let exp = i32(t >> 23u) - 150;  // temperature = mant * 2^exp
  var q = LOG2E_Q31 / mant;
  var r = LOG2E_Q31 % mant;
  for (var k = 0u; k < 2u; k++) {
    r = r << 8u;
    q = (q << 8u) | (r / mant);
    r = r % mant;
  }
  var e = -47 - exp;  // q = floor(LOG2E_Q31 * 2^16 / mant)
  if (q >= 0x1000000u) {
    q = q >> 1u;
    e += 1;
  }
  return ldexp(f32(q), e);
}

// A logit's value with ±inf and |x| > 1e30 clamped to ±1e30 (bits of a non-NaN logit).
fn clamped_logit(bits: u32) -> f32 {
  if ((bits & 0x7fffffffu) > BIG_BITS) {
    return bitcast<f32>((bits & 0x80000000u) | BIG_BITS);
  }
  return bitcast<f32>(bits);
}

// Integer weight of a logit, given the clamped max logit m and s = log2e_over_temperature().
// NaN and -inf weigh 0.
fn logit_weight(bits: u32, m: f32, s: f32) -> u32 {
  if ((bits & 0x7fffffffu) > 0x7f800000u || bits == NEG_INF_BITS) {
    return 0u;
  }
  let z = max((clamped_logit(bits) - m) * s, -32.0);
  let a = u32(-i32(z * 65536.0));  // -z in 16.16 fixed point, at most 2^21
  let whole = a >> 16u;
  if (whole >= 21u) {
    return 0u;
  }
  let j = (a >> 8u) & 0xffu;
  let frac = a & 0xffu;
  let t0 = exp2_table[j];
  let t1 = exp2_table[j + 1u];
  return (t0 - (((t0 - t1) * frac) >> 8u)) >> (whole + 4u);
}

// top_p as a 24-bit fraction: NaN and >= 1 keep everything, <= 0 keeps only the top token.
fn top_p_q24() -> u32 {
  let b = bitcast<u32>(step.top_p);
  if ((b & 0x7fffffffu) > 0x7f800000u || (b < 0x80000000u && b >= 0x3f800000u)) {
    return 0x1000000u;
  }
  if (b >= 0x80000000u || b == 0u) {
    return 0u;
  }
  return u32(step.top_p * 16777216.0);
}

// Candidates kept before top-p: top_k, with 0 (no cut) and anything above `cap` clamped to cap.
fn top_k_kept(cap: u32) -> u32 {
  return select(cap, step.top_k, step.top_k != 0u && step.top_k < cap);
}

// PCG hash (Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020): the step's uniform draw
// u = pcg_hash(seed) >> 8, in units of 2^-24.
fn pcg_hash(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
