// X loader for K a multiple of 4: one 16-byte load per four values.
// (Binding offsets are 256-byte aligned, so every row starts on a vec4.)

@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;  // (M, K/4) vec4<f32> = (M, K) f32

// X[m, k .. k+3], k a multiple of 4; zero past the row's end.
fn x_load4(m: u32, k: u32, kdim: u32) -> vec4<f32> {
  if (k >= kdim) {
    return vec4<f32>(0.0);
  }
  return x[(m * kdim + k) / 4u];
}
