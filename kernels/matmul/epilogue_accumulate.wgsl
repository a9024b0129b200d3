// Epilogue: Y += result (fuses the residual add after o_proj / down_proj).

@group(0) @binding(3) var<storage, read_write> y: array<f32>;  // (M, N) f32, read then written

fn y_store(i: u32, n: u32, v: f32) {
  y[i] = y[i] + v;
}
