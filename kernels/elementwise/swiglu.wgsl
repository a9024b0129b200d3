// SwiGLU: y[r, j] = silu(gate[r, j]) * up[r, j], silu(x) = x * sigmoid(x).
// gate_at / up_at come from swiglu_split.wgsl or swiglu_fused.wgsl; silu from silu.wgsl; V is f32 or vec4<f32>.

struct Params {
  rows: u32,
  cols: u32,  // per row, in units of V
}

@group(0) @binding(2) var<storage, read_write> y: array<V>;  // (rows, cols) V
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = element_index(wid, lid, nwg);
  if (i >= params.rows * params.cols) {
    return;
  }
  let r = i / params.cols;
  let j = i - r * params.cols;
  y[i] = silu(gate_at(r, j)) * up_at(r, j);
}
