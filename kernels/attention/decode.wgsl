// Decode attention, pass 1 of 2 ("flash decoding"): one new query per q head
// (position kv_len - 1, so it sees every key). The keys are cut into splits
// (decode_splits.wgsl, from step.kv_len at run time); workgroup (s, y) handles
// split s for QG q heads that share one kv head, so each K/V row is read once
// for all QG heads. It writes an unnormalized partial per (head, split): the
// running max m, the sum l of exp(score - m) and o = Σ exp(score - m) · v.
// Splits past the ones kv_len needs exit at once: the dispatch is sized for
// the whole context and replayed unchanged every step.
//
// Inside a workgroup, tiles of KT = WG / 4 keys: each key belongs to a quad of
// 4 threads splitting headDim (coalesced row reads), whose partial dot products
// quad_sum4 adds; one thread per head then updates its running max and sum, and
// every thread accumulates output pairs (head, pair) over the tile's values.
//
// Needs from the composer: HD, HP = HD / 2, NP = ceil(HP / 4), QG (heads per
// workgroup, divides n_head / n_kv_head), QG4 = ceil(QG / 4), OE = ceil(QG * HP / WG), WG;
// KvPair / kv_unpack, quad_sum4, decode_splits, Step.

struct Params {
  n_head: u32,
  n_kv_head: u32,
  ctx: u32,         // rows in the cache
  max_splits: u32,  // split workgroups dispatched along x
  min_chunk: u32,   // keys a split aims for before another split is used
  scale: f32,
}

@group(0) @binding(0) var<storage, read> q_in: array<vec2<f32>>;            // (1, n_head * HD) f32, RoPE applied
@group(0) @binding(1) var<storage, read> k_cache: array<KvPair>;            // (ctx, n_kv_head * HD) f32 or f16 x2 per u32
@group(0) @binding(2) var<storage, read> v_cache: array<KvPair>;            // (ctx, n_kv_head * HD) f32 or f16 x2 per u32
// (n_head, max_splits, HP + 1) vec2<f32>: HP pairs of o, then (m, l).
@group(0) @binding(3) var<storage, read_write> partials: array<vec2<f32>>;
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<uniform> params: Params;

const KT: u32 = WG / 4u;
const NEG_BIG: f32 = -3.0e38;

var<workgroup> q_sh: array<vec2<f32>, QG * HP>;   // the QG queries, pre-scaled
var<workgroup> s_sh: array<f32, QG * KT>;         // this tile's scores, then probabilities, per head
var<workgroup> corr_sh: array<f32, QG>;           // exp(old max - new max) per head
var<workgroup> ml_sh: array<vec2<f32>, QG>;       // running (max, sum) per head

// Scores of key `key` (this thread's quad) against the QG heads, into s_sh.
fn score_tile(key: u32, live: bool, kvh: u32, slot: u32, lid: u32) {
  let lane = lid % 4u;
  var kr: array<vec2<f32>, NP>;
  for (var i = 0u; i < NP; i++) {
    let pr = lane + 4u * i;
    kr[i] = vec2<f32>(0.0);
    if (live && pr < HP) {
      kr[i] = kv_unpack(k_cache[(key * params.n_kv_head + kvh) * HP + pr]);
    }
  }
  for (var g4 = 0u; g4 < QG4; g4++) {
    var part = vec4<f32>(0.0);
    for (var i = 0u; i < NP; i++) {
      let pr = min(lane + 4u * i, HP - 1u);
      for (var c = 0u; c < 4u; c++) {
        let g = min(g4 * 4u + c, QG - 1u);
        part[c] += dot(q_sh[g * HP + pr], kr[i]);
      }
    }
    let total = quad_sum4(part, lid);
    if (lane == 0u) {
      for (var c = 0u; c < 4u; c++) {
        let g = g4 * 4u + c;
        if (g < QG) {
          s_sh[g * KT + slot] = select(NEG_BIG, total[c], live);
        }
      }
    }
  }
}

// Head g's online-softmax step over one tile of `n` keys: scores become probabilities.
fn softmax_tile(g: u32, n: u32) {
  var m_tile = NEG_BIG;
  for (var j = 0u; j < n; j++) {
    m_tile = max(m_tile, s_sh[g * KT + j]);
  }
  let ml = ml_sh[g];
  let m_new = max(ml.x, m_tile);
  let corr = exp(ml.x - m_new);
  var sum = 0.0;
  for (var j = 0u; j < KT; j++) {
    let p = select(0.0, exp(s_sh[g * KT + j] - m_new), j < n);
    s_sh[g * KT + j] = p;
    sum += p;
  }
  ml_sh[g] = vec2<f32>(m_new, ml.y * corr + sum);
  corr_sh[g] = corr;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let kv_len = min(step.kv_len, params.ctx);
  let split = decode_splits(kv_len, params.max_splits, params.min_chunk);
  let s = wid.x;
  if (s >= split.x) {
    return;
  }
  let lo = s * split.y;
  let hi = min(lo + split.y, kv_len);
  let group = params.n_head / params.n_kv_head;
  let kvh = wid.y / (group / QG);
  let h0 = wid.y * QG;  // first q head: heads h0 .. h0 + QG - 1 all use kv head kvh

  for (var i = lid; i < QG * HP; i += WG) {
    q_sh[i] = q_in[h0 * HP + i] * params.scale;
  }
  if (lid < QG) {
    ml_sh[lid] = vec2<f32>(NEG_BIG, 0.0);
  }
  var acc: array<vec2<f32>, OE>;
  for (var e = 0u; e < OE; e++) {
    acc[e] = vec2<f32>(0.0);
  }
  workgroupBarrier();

  for (var kt = lo; kt < hi; kt += KT) {
    let n = min(KT, hi - kt);
    let slot = lid / 4u;
    score_tile(kt + slot, slot < n, kvh, slot, lid);
    workgroupBarrier();
    if (lid < QG) {
      softmax_tile(lid, n);
    }
    workgroupBarrier();
    for (var e = 0u; e < OE; e++) {
      let idx = min(lid + WG * e, QG * HP - 1u);
      let g = idx / HP;
      let pr = idx % HP;
      var a = acc[e] * corr_sh[g];
      for (var j = 0u; j < n; j++) {
        a += s_sh[g * KT + j] * kv_unpack(v_cache[((kt + j) * params.n_kv_head + kvh) * HP + pr]);
      }
      acc[e] = a;
    }
    workgroupBarrier();
  }

  for (var e = 0u; e < OE; e++) {
    let idx = lid + WG * e;
    if (idx < QG * HP) {
      let g = idx / HP;
      partials[((h0 + g) * params.max_splits + s) * (HP + 1u) + idx % HP] = acc[e];
    }
  }
  if (lid < QG) {
    partials[((h0 + lid) * params.max_splits + s) * (HP + 1u) + HP] = ml_sh[lid];
  }
}
