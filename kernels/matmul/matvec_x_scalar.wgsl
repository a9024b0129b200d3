// Matvec x loader for any K: bounds-checked scalar loads. Only a float row whose
// K is not a multiple of 8 has a partial last chunk; its weights there are zero
// padding, so x reads 0.

@group(0) @binding(2) var<storage, read> x: array<f32>;  // (K) f32

/** Values 8c .. 8c+7 of x. */
struct X8 {
  lo: vec4<f32>,
  hi: vec4<f32>,
}

fn x_chunk(c: u32) -> X8 {
  let i = 8u * c;
  if (i + 8u <= params.k) {
    return X8(vec4<f32>(x[i], x[i + 1u], x[i + 2u], x[i + 3u]), vec4<f32>(x[i + 4u], x[i + 5u], x[i + 6u], x[i + 7u]));
  }
  var v = array<f32, 8>();
  for (var j = 0u; i + j < params.k; j++) {
    v[j] = x[i + j];
  }
  return X8(vec4<f32>(v[0], v[1], v[2], v[3]), vec4<f32>(v[4], v[5], v[6], v[7]));
}

// No per-vector scale: nothing extra for the team to reduce.
const X_EXTRA: bool = false;

fn x_extra() -> f32 {
  return 0.0;
}

fn x_scale() -> f32 {
  return 1.0;
}
