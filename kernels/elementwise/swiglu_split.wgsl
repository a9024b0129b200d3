// gate and up in two buffers.
@group(0) @binding(0) var<storage, read> gate: array<V>;  // (rows, cols) V
@group(0) @binding(1) var<storage, read> up: array<V>;    // (rows, cols) V

fn gate_at(r: u32, j: u32) -> V {
  return gate[r * params.cols + j];
}

fn up_at(r: u32, j: u32) -> V {
  return up[r * params.cols + j];
}
