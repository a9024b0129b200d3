// Epilogue: Y = result + bias[n], split over three outputs (epilogue_split.wgsl):
// qwen2's q/k/v projections with their biases stacked as the rows are.

@group(0) @binding(5) var<storage, read> bias: array<f32>;  // (SPLIT_N) f32

fn y_store(i: u32, n: u32, v: f32) {
  y_split(i, n, v + bias[n]);
}
