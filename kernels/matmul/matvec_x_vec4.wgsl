// Matvec x loader for K a multiple of 8: two 16-byte loads per chunk.
// (Binding offsets are 256-byte aligned, so x starts on a vec4.)

@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;  // (K / 4) vec4<f32> = (K) f32

/** Values 8c .. 8c+7 of x. */
struct X8 {
  lo: vec4<f32>,
  hi: vec4<f32>,
}

fn x_chunk(c: u32) -> X8 {
  return X8(x[2u * c], x[2u * c + 1u]);
}

// No per-vector scale: nothing extra for the team to reduce.
const X_EXTRA: bool = false;

fn x_extra() -> f32 {
  return 0.0;
}

fn x_scale() -> f32 {
  return 1.0;
}
