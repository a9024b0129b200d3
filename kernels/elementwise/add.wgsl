// Residual add: y[i] = a[i] + b[i] over n elements (in units of V). load_a / store_y come
// from add_out.wgsl (y is its own buffer) or add_inplace.wgsl (y is a: a += b).

struct Params {
  n: u32,
}

@group(0) @binding(1) var<storage, read> b: array<V>;  // (n) V
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = element_index(wid, lid, nwg);
  if (i >= params.n) {
    return;
  }
  store_y(i, load_a(i) + b[i]);
}
