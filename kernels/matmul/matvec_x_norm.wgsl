// Matvec x loader that applies RMSNorm on the fly: y = W · rmsnorm(x) without the norm's own
// launch. rmsnorm(x) = (x ⊙ g) / rms(x), and 1 / rms(x) is one scalar for every row, so each
// thread multiplies its x chunks by the norm weight g as it loads them and sums x² beside; the
// team's reduction adds those sums with the rows' (no extra barrier), and x_scale() turns the
// total into 1 / rms(x) for the result before the epilogue. K a multiple of 8; every team
// strides over all of x, so every team sees the whole Σ x².

const X_EXTRA: bool = true;
override NORM_EPS: f32;

@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;      // (K / 4) vec4<f32> = (K) f32: the residual stream
@group(0) @binding(9) var<storage, read> norm_w: array<vec4<f32>>; // (K / 4) vec4<f32>: the RMSNorm weight g

var<private> x_sq: f32;

/** Values 8c .. 8c+7 of x ⊙ g. */
struct X8 {
  lo: vec4<f32>,
  hi: vec4<f32>,
}

fn x_chunk(c: u32) -> X8 {
  let lo = x[2u * c];
  let hi = x[2u * c + 1u];
  x_sq += dot(lo, lo) + dot(hi, hi);
  return X8(lo * norm_w[2u * c], hi * norm_w[2u * c + 1u]);
}

// This thread's part of Σ x², reduced by the team with the rows.
fn x_extra() -> f32 {
  return x_sq;
}

// 1 / rms(x), from the team's Σ x² (valid after rows_reduce).
fn x_scale() -> f32 {
  return inverseSqrt(extra_total() / f32(params.k) + NORM_EPS);
}
