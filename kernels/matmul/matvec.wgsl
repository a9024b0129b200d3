// y[n] = Σ_k W[n, k] · x[k] (then the epilogue), for decoding one token.
//
// A team of threads computes ROWS consecutive rows: the whole workgroup
// (matvec_reduce_plain) or one subgroup (matvec_reduce_sg, no shared memory and
// no barrier at all). The team's threads stride over the row so that adjacent
// threads read adjacent weight words (coalesced). Block-quantized rows go 32
// values (a whole block or sub-block) per thread step: one vec4<u32> load of
// q4_0 / q4_k quants and one scale per row. Weights come from the decoder in
// affine form (quant.wgsl), so Σ w · x over a chunk is scale · dot(q, x) -
// sub · Σ x: the scale costs one multiply per 8 weights and Σ x is computed once
// per step for all ROWS rows, like the x values themselves. Float rows go 8
// values per step (w_quant8), with no scale at all.
// Partial sums are f32 whatever `wf` is: rows 0-3 in acc_lo, 4-7 in acc_hi
// (vectors, not an array, so they stay in registers once the row loop is
// unrolled); the reduction part combines them across the team.
//
// Parts this body needs: ROWS (const, 1..8), GROUPS (const: rows are whole
// 32-value groups, i.e. a block type), a weight decoder (bindings 0-1,
// `w_quant8`, `w_quant32`, W_SCALED, W_SUB), an x loader (binding 2, `x_chunk`),
// an epilogue (binding 3 y, 5 bias, `y_store`), a matvec reduction (the entry
// point, which calls `matvec(team, lane, team_size)`; `rows_reduce`, `rows_total`,
// `extra_total`). The x loader also gives `x_scale` (a factor for every row's
// result: 1, or 1 / rms(x) for the norm loader) and `x_extra` / X_EXTRA (its
// per-thread sum for the reduction to add up).

struct Params {
  n: u32,   // rows of W = length of y
  k: u32,   // values per row = length of x
  k8: u32,  // ceil(k / 8): 8-value chunks per row
}

@group(0) @binding(4) var<uniform> params: Params;

// Threads per workgroup (a power of two, ≥ the subgroup size).
override WG: u32 = 64u;

// Row r's partial sum in this thread: rows 0-3, rows 4-7.
var<private> acc_lo: vec4<f32>;
var<private> acc_hi: vec4<f32>;

/** 32 values of x as wf, and Σ x of each 8-value chunk (f32; only for decoders with a sub). */
struct X32 {
  x0: wf4,
  x1: wf4,
  x2: wf4,
  x3: wf4,
  x4: wf4,
  x5: wf4,
  x6: wf4,
  x7: wf4,
  sum: vec4<f32>,
}

fn x_group(c: u32) -> X32 {
  let a = x_chunk(c);
  let b = x_chunk(c + 1u);
  let d = x_chunk(c + 2u);
  let e = x_chunk(c + 3u);
  var sum = vec4<f32>(0.0);
  if (W_SUB) {
    let one = vec4<f32>(1.0);
    sum = vec4<f32>(dot(a.lo + a.hi, one), dot(b.lo + b.hi, one), dot(d.lo + d.hi, one), dot(e.lo + e.hi, one));
  }
  return X32(wf4(a.lo), wf4(a.hi), wf4(b.lo), wf4(b.hi), wf4(d.lo), wf4(d.hi), wf4(e.lo), wf4(e.hi), sum);
}

// Row `row`'s Σ w · x over chunks c .. c+3.
fn row32(row: u32, c: u32, x: X32) -> f32 {
  let w = w_quant32(row * params.k8 + c);
  let d = vec4<f32>(
    f32(dot(w.q0, x.x0) + dot(w.q1, x.x1)),
    f32(dot(w.q2, x.x2) + dot(w.q3, x.x3)),
    f32(dot(w.q4, x.x4) + dot(w.q5, x.x5)),
    f32(dot(w.q6, x.x6) + dot(w.q7, x.x7)),
  );
  var r = dot(d, vec4<f32>(1.0));
  if (W_SCALED) {
    r = dot(vec4<f32>(w.scale), d);
  }
  if (W_SUB) {
    r -= dot(vec4<f32>(w.sub), x.sum);
  }
  return r;
}

// Row `row`'s Σ w · x over chunk c alone.
fn row8(row: u32, c: u32, x: X8) -> f32 {
  let w = w_quant8(row * params.k8 + c);
  var r = f32(dot(w.lo, wf4(x.lo)) + dot(w.hi, wf4(x.hi)));
  if (W_SCALED) {
    r *= f32(w.scale);
  }
  if (W_SUB) {
    r -= f32(w.sub) * dot(x.lo + x.hi, vec4<f32>(1.0));
  }
  return r;
}

// Rows past N (last team only) decode row N-1 again; their sums are dropped.
fn team_row(row0: u32, r: u32) -> u32 {
  return min(row0 + r, params.n - 1u);
}

// Adds v to row r's partial sum (r < ROWS, a loop index: compilers unroll the loops over rows).
fn add_row(r: u32, v: f32) {
  if (r < 4u) {
    acc_lo[r] += v;
  } else {
    acc_hi[r - 4u] += v;
  }
}

fn matvec(team: u32, lane: u32, team_size: u32) {
  let row0 = team * ROWS;
  if (GROUPS) {
    for (var c = 4u * lane; c < params.k8; c += 4u * team_size) {
      let x = x_group(c);
      for (var r = 0u; r < ROWS; r++) {
        add_row(r, row32(team_row(row0, r), c, x));
      }
    }
  } else {
    for (var c = lane; c < params.k8; c += team_size) {
      let x = x_chunk(c);
      for (var r = 0u; r < ROWS; r++) {
        add_row(r, row8(team_row(row0, r), c, x));
      }
    }
  }
  rows_reduce(lane);
  for (var r = lane; r < ROWS && row0 + r < params.n; r += team_size) {
    y_store(row0 + r, row0 + r, rows_total(r) * x_scale());
  }
}
