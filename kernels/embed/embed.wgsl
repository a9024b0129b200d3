// Embedding gather: y[t, :] = W[ids[t], :] dequantized, for t < count.
// One workgroup per token; its threads stride over the row's 8-value chunks, so
// adjacent threads read adjacent weight words. An id >= N (not a row) yields a
// row of zeros instead of reading past the matrix.
// Parts this body needs: a weight decoder (bindings 0-1, `w_decode8`).

struct Params {
  count: u32,  // tokens
  n: u32,      // rows of W (vocabulary size)
  k: u32,      // values per row (embedding width)
  k8: u32,     // ceil(k / 8)
}

@group(0) @binding(2) var<storage, read> ids: array<u32>;        // (count) u32 token ids
@group(0) @binding(3) var<storage, read_write> y: array<f32>;    // (count, K) f32
@group(0) @binding(4) var<uniform> params: Params;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let t = wid.x + wid.y * nwg.x;
  if (t >= params.count) {
    return;
  }
  let id = ids[t];
  let live = id < params.n;
  let zero = W8(wf4(0.0), wf4(0.0));
  for (var c = lid; c < params.k8; c += WG) {
    var w = zero;
    if (live) {
      w = w_decode8(id * params.k8 + c);
    }
    var v = array<f32, 8>(f32(w.lo.x), f32(w.lo.y), f32(w.lo.z), f32(w.lo.w), f32(w.hi.x), f32(w.hi.y), f32(w.hi.z), f32(w.hi.w));
    let base = t * params.k + 8u * c;
    let count = min(8u, params.k - 8u * c);
    for (var i = 0u; i < count; i++) {
      y[base + i] = v[i];
    }
  }
}
