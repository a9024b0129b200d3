// Decode attention, pass 1 of 2 ("flash decoding"): one new query per q head
// (position kv_len - 1, so it sees every key). The keys are cut into splits
// (decode_splits.wgsl, from step.kv_len at run time); workgroup (s, y) handles
// split s for the QG q heads that share one kv head, so each K/V row is read
// once for all QG heads. It writes an unnormalized partial per (head, split):
// the running max m, the sum l of exp(score - m) and o = Σ exp(score - m) · v.
// Splits past the ones kv_len needs exit at once: the dispatch is sized for
// the whole context and replayed unchanged every step.
//
// Tiles of TILE = KB · WG keys, two phases per tile and no reduction across
// threads per key:
// - scores, key-parallel: thread t owns keys t, t + WG, .. (up to KB of them)
//   and computes their dot products with the QG queries alone, 8 dims at a time
//   (one 16-byte load per key for an f16 cache). The queries sit in workgroup
//   memory and every thread reads the same element at once (a broadcast); each
//   query load serves all the thread's keys. Heads are packed four to a vec4, so
//   one FMA serves four heads.
// - values, dim-parallel: after the tile max (the reduction part's `tile_max`)
//   each thread writes its keys' probabilities to p_sh; then thread t owns dims
//   8t .. 8t+7 and accumulates Σ p · v over the tile's keys for all QG heads
//   in registers (one mat4x4 per 4 heads × 4 dims), reading each V row once.
// The running max and sum sit redundantly in every thread's registers. Per-head
// values are named vec4s and matrices; the per-key scores are an array indexed
// only in loops of constant trip count KB, which compilers unroll.

// Needs from the composer: HD, HP = HD / 2, D8 = ceil(HD / 8), QG (heads per
// workgroup, at most 8, divides n_head / n_kv_head), WG ≥ D8; Step,
// decode_splits; a KV loader part (bindings 1-2, `k_load8` / `v_load8`); a
// reduction part that owns the entry point (calls `decode(wid, lid)`) and
// defines `tile_max`.

struct Params {
  n_head: u32,
  n_kv_head: u32,
  ctx: u32,         // rows in the cache
  max_splits: u32,  // split workgroups dispatched along x
  min_chunk: u32,   // keys a split aims for before another split is used
  scale: f32,
}

@group(0) @binding(0) var<storage, read> q_in: array<vec2<f32>>;  // (1, n_head * HD) f32, RoPE applied
// (n_head, max_splits, HP + 1) vec2<f32>: HP pairs of o, then (m, l).
@group(0) @binding(3) var<storage, read_write> partials: array<vec2<f32>>;
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<uniform> params: Params;

const NEG_BIG: f32 = -3.0e38;
// Heads 4-7 exist: with QG ≤ 4 every `if (WIDE)` block folds away.
const WIDE: bool = QG > 4u;
// Most keys per thread in the score phase, and keys per tile: with 16 threads a
// tile is 128 keys, the split size decode aims for (ATTENTION.decodeMinChunk).
const KB: u32 = 8u;
const TILE: u32 = KB * WG;

/** One value per head of the workgroup: heads 0-3 in `a`, 4-7 in `b` (unused unless WIDE). */
struct Heads {
  a: vec4<f32>,
  b: vec4<f32>,
}

/** Four heads' query values at 8 consecutive dims: d_i = dim 8·d8 + i of heads 0-3 (or 4-7). */
struct Q8x4 {
  d0: vec4<f32>,
  d1: vec4<f32>,
  d2: vec4<f32>,
  d3: vec4<f32>,
  d4: vec4<f32>,
  d5: vec4<f32>,
  d6: vec4<f32>,
  d7: vec4<f32>,
}

// (D8) pre-scaled queries of heads 0-3 and 4-7; 0 past QG and past HD.
var<workgroup> qa_sh: array<Q8x4, D8>;
var<workgroup> qb_sh: array<Q8x4, D8>;
// (TILE) exp(score - running max) of the tile's keys.
var<workgroup> p_sh: array<Heads, TILE>;

// Query value of head h0 + g at dim d, pre-scaled; 0 past QG and HD.
fn query(h0: u32, g: u32, d: u32) -> f32 {
  if (g >= QG || d >= HD) {
    return 0.0;
  }
  return q_in[(h0 + g) * HP + d / 2u][d % 2u] * params.scale;
}

fn query8x4(h0: u32, g0: u32, d8: u32) -> Q8x4 {
  var v: array<vec4<f32>, 8>;
  for (var i = 0u; i < 8u; i++) {
    let d = 8u * d8 + i;
    v[i] = vec4<f32>(query(h0, g0, d), query(h0, g0 + 1u, d), query(h0, g0 + 2u, d), query(h0, g0 + 3u, d));
  }
  return Q8x4(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
}

fn load_queries(h0: u32, lid: u32) {
  for (var d8 = lid; d8 < D8; d8 += WG) {
    qa_sh[d8] = query8x4(h0, 0u, d8);
    if (WIDE) {
      qb_sh[d8] = query8x4(h0, 4u, d8);
    }
  }
}

// Σ over 8 dims of q · k, for four heads.
fn qk8(q: Q8x4, k: V8) -> vec4<f32> {
  let lo = q.d0 * k.lo.x + q.d1 * k.lo.y + q.d2 * k.lo.z + q.d3 * k.lo.w;
  let hi = q.d4 * k.hi.x + q.d5 * k.hi.y + q.d6 * k.hi.z + q.d7 * k.hi.w;
  return lo + hi;
}

// p ⊗ v: column i = p · v[i] (four heads by four dims).
fn outer4(p: vec4<f32>, v: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(p * v.x, p * v.y, p * v.z, p * v.w);
}

// Scales every column (dim) of m by the per-head factors a.
fn scale_cols(m: mat4x4<f32>, a: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(m[0] * a, m[1] * a, m[2] * a, m[3] * a);
}

// exp(score - m) of one key for every head; 0 for a key past the tile.
fn probs(sa: vec4<f32>, sb: vec4<f32>, m: Heads, live: bool) -> Heads {
  var p = Heads(vec4<f32>(0.0), vec4<f32>(0.0));
  if (live) {
    p.a = exp(sa - m.a);
    if (WIDE) {
      p.b = exp(sb - m.b);
    }
  }
  return p;
}

fn decode(wid: vec3<u32>, lid: u32) {
  let kv_len = min(step.kv_len, params.ctx);
  let split = decode_splits(kv_len, params.max_splits, params.min_chunk);
  let sp = wid.x;
  if (sp >= split.x) {
    return;
  }
  let lo = sp * split.y;
  let hi = min(lo + split.y, kv_len);
  let nkv = params.n_kv_head;
  let group = params.n_head / nkv;
  let kvh = wid.y / (group / QG);
  let h0 = wid.y * QG;  // first q head: heads h0 .. h0 + QG - 1 all use kv head kvh
  // This thread's dims in the value phase; threads past D8 redo the last group and drop it.
  let d8v = min(lid, D8 - 1u);

  load_queries(h0, lid);
  workgroupBarrier();

  var m = Heads(vec4<f32>(NEG_BIG), vec4<f32>(NEG_BIG));  // running max per head
  var l = Heads(vec4<f32>(0.0), vec4<f32>(0.0));          // running Σ exp(score - m)
  // Σ exp(score - m) · v: column i = dim 8·d8v + i (lo) or + 4 + i (hi), heads 0-3 (a) / 4-7 (b).
  var oa_lo = mat4x4<f32>();
  var oa_hi = mat4x4<f32>();
  var ob_lo = mat4x4<f32>();
  var ob_hi = mat4x4<f32>();

  for (var kt = lo; kt < hi; kt += TILE) {
    let n = min(TILE, hi - kt);
    // This thread's keys: lid + WG·b for b < nb (nb is the same for every thread).
    let nb = (n + WG - 1u) / WG;
    var s: array<Heads, KB>;
    for (var d8 = 0u; d8 < D8; d8++) {
      let qa = qa_sh[d8];
      var qb = qa;
      if (WIDE) {
        qb = qb_sh[d8];
      }
      for (var b = 0u; b < KB; b++) {
        if (b < nb) {
          // Keys past the tile read the last live row (rows past kv_len may hold anything) and are masked.
          let k = k_load8(min(kt + lid + WG * b, hi - 1u) * nkv + kvh, d8);
          s[b].a += qk8(qa, k);
          if (WIDE) {
            s[b].b += qk8(qb, k);
          }
        }
      }
    }
    var mine = Heads(vec4<f32>(NEG_BIG), vec4<f32>(NEG_BIG));
    for (var b = 0u; b < KB; b++) {
      if (lid + WG * b < n) {
        mine = Heads(max(mine.a, s[b].a), max(mine.b, s[b].b));
      }
    }
    let m_tile = tile_max(mine, lid);
    let m_new = Heads(max(m.a, m_tile.a), max(m.b, m_tile.b));
    let alpha = Heads(exp(m.a - m_new.a), exp(m.b - m_new.b));
    m = m_new;
    for (var b = 0u; b < KB; b++) {
      if (b < nb) {
        p_sh[lid + WG * b] = probs(s[b].a, s[b].b, m, lid + WG * b < n);
      }
    }
    workgroupBarrier();

    l = Heads(l.a * alpha.a, l.b * alpha.b);
    oa_lo = scale_cols(oa_lo, alpha.a);
    oa_hi = scale_cols(oa_hi, alpha.a);
    ob_lo = scale_cols(ob_lo, alpha.b);
    ob_hi = scale_cols(ob_hi, alpha.b);
    for (var j = 0u; j < n; j++) {
      let p = p_sh[j];
      let v = v_load8((kt + j) * nkv + kvh, d8v);
      l.a += p.a;
      oa_lo += outer4(p.a, v.lo);
      oa_hi += outer4(p.a, v.hi);
      if (WIDE) {
        l.b += p.b;
        ob_lo += outer4(p.b, v.lo);
        ob_hi += outer4(p.b, v.hi);
      }
    }
  }

  let rec = HP + 1u;
  if (lid < D8) {
    // Rows of the transposes: head g's 4 dims.
    let ta_lo = transpose(oa_lo);
    let ta_hi = transpose(oa_hi);
    let tb_lo = transpose(ob_lo);
    let tb_hi = transpose(ob_hi);
    for (var g = 0u; g < QG; g++) {
      let olo = select(ta_lo[g % 4u], tb_lo[g % 4u], g >= 4u);
      let ohi = select(ta_hi[g % 4u], tb_hi[g % 4u], g >= 4u);
      let base = ((h0 + g) * params.max_splits + sp) * rec + 4u * lid;
      let pairs = array<vec2<f32>, 4>(olo.xy, olo.zw, ohi.xy, ohi.zw);
      for (var i = 0u; i < 4u; i++) {
        if (4u * lid + i < HP) {
          partials[base + i] = pairs[i];
        }
      }
    }
  }
  if (lid < QG) {
    let g = lid;
    let ml = select(vec2<f32>(m.a[g % 4u], l.a[g % 4u]), vec2<f32>(m.b[g % 4u], l.b[g % 4u]), g >= 4u);
    partials[((h0 + g) * params.max_splits + sp) * rec + HP] = ml;
  }
}
