// Epilogue: Y = result. Shared by the matrix kernels (matvec, matmul).

@group(0) @binding(3) var<storage, read_write> y: array<f32>;  // (M, N) f32

// i = flat index into y, n = output column.
fn y_store(i: u32, n: u32, v: f32) {
  y[i] = v;
}
