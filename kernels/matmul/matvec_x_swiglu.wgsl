// Matvec x loader that applies SwiGLU on the fly: binding 2 holds one token's [gate | up]
// (2K f32, what a stacked gate/up projection writes) and x[i] = silu(gate[i]) * up[i], so the
// down projection reads the FFN's input without a SwiGLU launch and its (K) buffer in between.
// K a multiple of 8. Needs silu (elementwise/silu.wgsl) over V.

alias V = vec4<f32>;

@group(0) @binding(2) var<storage, read> gate_up: array<vec4<f32>>;  // (2K / 4) vec4<f32>: [gate | up]

/** Values 8c .. 8c+7 of x = silu(gate) * up. */
struct X8 {
  lo: vec4<f32>,
  hi: vec4<f32>,
}

fn x_chunk(c: u32) -> X8 {
  let up = params.k / 4u;
  let g0 = gate_up[2u * c];
  let g1 = gate_up[2u * c + 1u];
  return X8(silu(g0) * gate_up[up + 2u * c], silu(g1) * gate_up[up + 2u * c + 1u]);
}

// No per-vector scale: nothing extra for the team to reduce.
const X_EXTRA: bool = false;

fn x_extra() -> f32 {
  return 0.0;
}

fn x_scale() -> f32 {
  return 1.0;
}
