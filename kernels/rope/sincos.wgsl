// cos and sin of an angle given in turns as a 32-bit binary fraction, accurate to ~1e-7 on every
// device: the reduction to [0, π/4] is exact (integer bits), then short Taylor polynomials (terms
// past x^9 / x^10 are below 2e-9 there). WGSL only bounds the builtin sin/cos by 2^-11 absolute
// (SwiftShader's are off by 1.9e-4), which would dominate RoPE's error.

const HALF_PI: f32 = 1.5707963267948966;

fn sincos_poly(x: f32) -> vec2<f32> {  // (cos x, sin x) for x in [0, π/4]
  let x2 = x * x;
  let s = x * (1.0 + x2 * (-1.0 / 6.0 + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362880.0)))));
  let c = 1.0 + x2 * (-0.5 + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0 + x2 * (1.0 / 40320.0 + x2 * (-1.0 / 3628800.0)))));
  return vec2<f32>(c, s);
}

fn cos_sin_turns(turns: u32) -> vec2<f32> {
  let quadrant = turns >> 30u;
  var rest = turns & 0x3fffffffu;  // position within the quadrant, 2^-30 of a quarter turn
  let upper = rest > 0x20000000u;  // past π/4: use the complementary angle and swap
  if (upper) {
    rest = 0x40000000u - rest;
  }
  // rest <= 2^29, so rest >> 6 <= 2^23 converts exactly.
  let cs = sincos_poly(f32(rest >> 6u) * (HALF_PI / 16777216.0));
  let phi = select(cs, cs.yx, upper);  // (cos, sin) of the angle mod π/2
  switch quadrant {
    case 0u: { return phi; }
    case 1u: { return vec2<f32>(-phi.y, phi.x); }
    case 2u: { return -phi; }
    default: { return vec2<f32>(phi.y, -phi.x); }
  }
}
