// Epilogue: Y += result + bias[n].

@group(0) @binding(3) var<storage, read_write> y: array<f32>;  // (M, N) f32, read then written
@group(0) @binding(5) var<storage, read> bias: array<f32>;     // (N) f32

fn y_store(i: u32, n: u32, v: f32) {
  y[i] = y[i] + (v + bias[n]);
}
