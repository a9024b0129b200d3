// gate and up in one buffer, as one fused [gate | up] matmul writes them.
@group(0) @binding(0) var<storage, read> gate_up: array<V>;  // (rows, 2 * cols) V: [gate | up] per row

fn gate_at(r: u32, j: u32) -> V {
  return gate_up[2u * r * params.cols + j];
}

fn up_at(r: u32, j: u32) -> V {
  return gate_up[(2u * r + 1u) * params.cols + j];
}
