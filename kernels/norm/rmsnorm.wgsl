// RMSNorm: y[r, i] = x[r, i] * w[i] / sqrt(mean_i(x[r, i]^2) + eps). One workgroup per row.

struct Params {
  rows: u32,
  dim: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;        // (rows, dim) f32
@group(0) @binding(1) var<storage, read> weight: array<f32>;   // (dim) f32
@group(0) @binding(2) var<storage, read_write> y: array<f32>;  // (rows, dim) f32; may alias nothing
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 256u;

fn kernel(wid: vec3<u32>, lid: u32, nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  // Rows past the end still take part in the barriers, with nothing to add.
  let live = row < params.rows;
  let base = row * params.dim;
  var sum_sq = 0.0;
  if (live) {
    for (var i = lid; i < params.dim; i += WG) {
      let v = x[base + i];
      sum_sq += v * v;
    }
  }
  let scale = inverseSqrt(wg_sum(sum_sq, lid) / f32(params.dim) + params.eps);
  if (live) {
    for (var i = lid; i < params.dim; i += WG) {
      y[base + i] = x[base + i] * scale * weight[i];
    }
  }
}
