// Dequantize a whole weight matrix through its decoder's 32-value path
// (w_quant32, what matvec reads): y[row, k] = q · scale - sub per chunk. One
// thread per group of 4 chunks of a row; a row's last chunks that do not fill a
// group (float types whose K8 is not a multiple of 4) go through w_quant8. The
// zero padding of float rows past K is not written. Tests hold it to the CPU
// dequantization bit for bit, like w_decode8.
// Parts this body needs: a weight decoder (bindings 0-1, `w_quant32`, `w_quant8`).

struct Params {
  n: u32,   // rows
  k: u32,   // values per row
  k8: u32,  // ceil(k / 8)
}

@group(0) @binding(2) var<storage, read_write> y: array<f32>;  // (N, K) f32
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 64u;

fn store8(base: u32, c: u32, lo: vec4<f32>, hi: vec4<f32>) {
  var v = array<f32, 8>(lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w);
  let count = min(8u, params.k - 8u * c);
  for (var i = 0u; i < count; i++) {
    y[base + 8u * c + i] = v[i];
  }
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let groups = (params.k8 + 3u) / 4u;
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= params.n * groups) {
    return;
  }
  let row = t / groups;
  let c = 4u * (t % groups);
  let base = row * params.k;
  if (c + 4u <= params.k8) {
    let q = w_quant32(row * params.k8 + c);
    let s = vec4<f32>(q.scale);
    let m = vec4<f32>(q.sub);
    store8(base, c, vec4<f32>(q.q0) * s.x - m.x, vec4<f32>(q.q1) * s.x - m.x);
    store8(base, c + 1u, vec4<f32>(q.q2) * s.y - m.y, vec4<f32>(q.q3) * s.y - m.y);
    store8(base, c + 2u, vec4<f32>(q.q4) * s.z - m.z, vec4<f32>(q.q5) * s.z - m.z);
    store8(base, c + 3u, vec4<f32>(q.q6) * s.w - m.w, vec4<f32>(q.q7) * s.w - m.w);
    return;
  }
  for (var j = c; j < params.k8; j++) {
    let q = w_quant8(row * params.k8 + j);
    store8(base, j, vec4<f32>(q.lo) * f32(q.scale) - f32(q.sub), vec4<f32>(q.hi) * f32(q.scale) - f32(q.sub));
  }
}
