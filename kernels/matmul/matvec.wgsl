// y[n] = Σ_k W[n, k] · x[k] (then the epilogue), for decoding one token.
//
// A team of threads computes ROWS consecutive rows: the whole workgroup
// (matvec_reduce_plain) or one subgroup (matvec_reduce_sg, no shared memory and
// no barrier at all). The team's threads stride over the K8 8-value chunks of
// those rows, so adjacent threads read adjacent weight words (coalesced), and
// weights are decoded in registers by w_decode8. Each thread loads its x chunk
// once and reuses it for all ROWS rows. Partial sums are f32 whatever `wf` is;
// the reduction part combines them across the team (`rows_reduce`, then
// `rows_total(r)` for r < ROWS).
//
// Parts this body needs: a weight decoder (bindings 0-1, `w_decode8`), an
// epilogue (binding 3 y, 5 bias, `y_store`), a matvec reduction (the entry
// point, which calls `matvec(team, lane, team_size)`).

struct Params {
  n: u32,   // rows of W = length of y
  k: u32,   // values per row = length of x
  k8: u32,  // ceil(k / 8): 8-value chunks per row
}

@group(0) @binding(2) var<storage, read> x: array<f32>;  // (K) f32
@group(0) @binding(4) var<uniform> params: Params;

// Threads per workgroup (a power of two, ≥ the subgroup size) and rows per team (≤ MAX_ROWS).
override WG: u32 = 64u;
override ROWS: u32 = 4u;
const MAX_ROWS = 8u;

// Row r's partial sum in this thread.
var<private> acc: array<f32, MAX_ROWS>;

struct X8 {
  lo: vec4<f32>,
  hi: vec4<f32>,
}

// Values 8c .. 8c+7 of x. Only a float row whose K is not a multiple of 8 has
// a partial last chunk; its weights there are zero padding, so x reads 0.
fn x_load8(c: u32) -> X8 {
  let i = 8u * c;
  if (i + 8u <= params.k) {
    return X8(vec4<f32>(x[i], x[i + 1u], x[i + 2u], x[i + 3u]), vec4<f32>(x[i + 4u], x[i + 5u], x[i + 6u], x[i + 7u]));
  }
  var v = array<f32, 8>();
  for (var j = 0u; i + j < params.k; j++) {
    v[j] = x[i + j];
  }
  return X8(vec4<f32>(v[0], v[1], v[2], v[3]), vec4<f32>(v[4], v[5], v[6], v[7]));
}

fn matvec(team: u32, lane: u32, team_size: u32) {
  let row0 = team * ROWS;
  for (var c = lane; c < params.k8; c += team_size) {
    let xs = x_load8(c);
    let xl = wf4(xs.lo);
    let xh = wf4(xs.hi);
    for (var r = 0u; r < ROWS; r++) {
      // Rows past N (last team only) decode row N-1 again; their sums are dropped.
      let row = min(row0 + r, params.n - 1u);
      let w = w_decode8(row * params.k8 + c);
      acc[r] += f32(dot(w.lo, xl) + dot(w.hi, xh));
    }
  }
  rows_reduce(lane);
  for (var r = lane; r < ROWS && row0 + r < params.n; r += team_size) {
    y_store(row0 + r, row0 + r, rows_total(r));
  }
}
