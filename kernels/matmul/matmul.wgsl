// Y[m, n] = Σ_k X[m, k] · W[n, k], register-tiled for prefill (M ≥ 2).
//
// One workgroup computes a BM × BN tile of Y; each of its (BM/4)·(BN/4) threads
// holds a 4 × 4 block of that tile in registers (rows ty + i·WG_M, columns
// tx + j·WG_N, strided so neighbouring threads read neighbouring words of
// shared memory). K advances BK8 chunks of 8 values at a time: the W tile is
// decoded ONCE per step through `w_decode8` (any weight type) into shared
// memory and reused by all BM rows; the X tile is staged next to it.
// Accumulation is f32 whatever `wf` is.
//
// Parts this body needs: a weight decoder (bindings 0–1, `w_decode8`), an X
// loader (binding 2, `x_load4`) and an epilogue (binding 3 y, 5 bias, `y_store`).

struct Params {
  m: u32,   // rows of X and Y
  n: u32,   // rows of W = columns of Y
  k: u32,   // values per row of X and W
  k8: u32,  // ceil(k / 8): 8-value chunks per W row
}

@group(0) @binding(4) var<uniform> params: Params;

// Tile shape (specialized per pipeline). BM, BN multiples of 4.
override BM: u32 = 64u;
override BN: u32 = 64u;
override BK8: u32 = 4u;
// Derived: threads along M and N, threads per workgroup, shared tile lengths.
override WG_M: u32 = BM / 4u;
override WG_N: u32 = BN / 4u;
override WG: u32 = WG_M * WG_N;
override BK4: u32 = BK8 * 2u;
override XS_LEN: u32 = BM * BK8 * 2u;
override WS_LEN: u32 = BN * BK8 * 2u;

// (BK/4, BM) vec4 along k: X tile, k-major so threads of one row-group broadcast.
var<workgroup> xs: array<vec4<f32>, XS_LEN>;
// (BK/4, BN) wf4 along k: decoded W tile; f16 halves its traffic when wf = f16.
var<workgroup> ws: array<wf4, WS_LEN>;

fn load_w_tile(n0: u32, kc: u32, lid: u32) {
  for (var t = lid; t < BN * BK8; t += WG) {
    let col = t / BK8;
    let c = t % BK8;
    let n = n0 + col;
    let g = kc + c;
    var d = W8(wf4(0.0), wf4(0.0));
    // Rows past N and chunks past K8 are zero (never decoded: no reads past w_q).
    if (n < params.n && g < params.k8) {
      d = w_decode8(n * params.k8 + g);
    }
    ws[2u * c * BN + col] = d.lo;
    ws[(2u * c + 1u) * BN + col] = d.hi;
  }
}

fn load_x_tile(m0: u32, kc: u32, lid: u32) {
  for (var t = lid; t < BM * BK4; t += WG) {
    let row = t / BK4;
    let q = t % BK4;
    let m = m0 + row;
    var v = vec4<f32>(0.0);
    if (m < params.m) {
      v = x_load4(m, kc * 8u + q * 4u, params.k);
    }
    xs[q * BM + row] = v;
  }
}

fn w_col(base: u32, j: u32) -> vec4<f32> {
  return vec4<f32>(ws[base + j * WG_N]);
}

// Four dot products of one X row with the thread's four W columns.
fn row_dots(xv: vec4<f32>, w0: vec4<f32>, w1: vec4<f32>, w2: vec4<f32>, w3: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(dot(xv, w0), dot(xv, w1), dot(xv, w2), dot(xv, w3));
}

fn store_row(m: u32, n0: u32, tx: u32, acc: vec4<f32>) {
  if (m >= params.m) {
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    let n = n0 + tx + j * WG_N;
    if (n < params.n) {
      y_store(m * params.n + n, n, acc[j]);
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  // M tiles along x: workgroups launched together share one W tile (cache reuse).
  let m0 = wid.x * BM;
  let n0 = wid.y * BN;
  let tx = lid % WG_N;
  let ty = lid / WG_N;
  // acc_i[j] = Y[m0 + ty + i·WG_M, n0 + tx + j·WG_N]
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var kc = 0u; kc < params.k8; kc += BK8) {
    load_w_tile(n0, kc, lid);
    load_x_tile(m0, kc, lid);
    workgroupBarrier();
    for (var q = 0u; q < BK4; q++) {
      let wb = q * BN + tx;
      let w0 = w_col(wb, 0u);
      let w1 = w_col(wb, 1u);
      let w2 = w_col(wb, 2u);
      let w3 = w_col(wb, 3u);
      let xb = q * BM + ty;
      acc0 += row_dots(xs[xb], w0, w1, w2, w3);
      acc1 += row_dots(xs[xb + WG_M], w0, w1, w2, w3);
      acc2 += row_dots(xs[xb + 2u * WG_M], w0, w1, w2, w3);
      acc3 += row_dots(xs[xb + 3u * WG_M], w0, w1, w2, w3);
    }
    workgroupBarrier();
  }
  store_row(m0 + ty, n0, tx, acc0);
  store_row(m0 + ty + WG_M, n0, tx, acc1);
  store_row(m0 + ty + 2u * WG_M, n0, tx, acc2);
  store_row(m0 + ty + 3u * WG_M, n0, tx, acc3);
}
