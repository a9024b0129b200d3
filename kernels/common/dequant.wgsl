// Dequantize a whole weight matrix through its decoder: y[row, k] = W[row, k].
// One thread per 8-value chunk g8 = row * K8 + k / 8 (the w_decode8 contract);
// the zero padding of float rows past K is not written.
// Parts this body needs: a weight decoder (bindings 0-1, `w_decode8`).

struct Params {
  n: u32,   // rows
  k: u32,   // values per row
  k8: u32,  // ceil(k / 8)
}

@group(0) @binding(2) var<storage, read_write> y: array<f32>;  // (N, K) f32
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let g8 = (wid.x + wid.y * nwg.x) * WG + lid;
  if (g8 >= params.n * params.k8) {
    return;
  }
  let w = w_decode8(g8);
  var v = array<f32, 8>(f32(w.lo.x), f32(w.lo.y), f32(w.lo.z), f32(w.lo.w), f32(w.hi.x), f32(w.hi.y), f32(w.hi.z), f32(w.hi.w));
  let c = g8 % params.k8;
  let base = (g8 / params.k8) * params.k + 8u * c;
  let count = min(8u, params.k - 8u * c);
  for (var i = 0u; i < count; i++) {
    y[base + i] = v[i];
  }
}
