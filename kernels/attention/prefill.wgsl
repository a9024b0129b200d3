// Causal attention for the tokens of one step (prefill, or a chunk continuing a
// cache), flash style: the (T, kv_len) score matrix is never stored.
//
// A workgroup of WG threads owns BQ = WG / 4 consecutive queries of one q head.
// Each query belongs to a quad of 4 threads that split headDim (lane l holds
// pairs l, l + 4, ...), so its q slice and output slice live in registers. Key
// and value tiles of BK rows stream through workgroup memory, each load shared
// by the BQ queries; a running max and sum per query carry the softmax across
// tiles. Query i (position step.pos + i) sees keys 0 ..= step.pos + i.
//
// Needs from the composer: HD (headDim, even), HP = HD / 2 (pairs per head),
// NP = ceil(HP / 4) (pairs per lane), BK (keys per tile, a multiple of 4), WG;
// KvPair / kv_unpack (kv_f32 or kv_f16), quad_sum4 (quad_plain or quad_subgroup), Step.

struct Params {
  n_head: u32,
  n_kv_head: u32,
  ctx: u32,         // rows in the cache
  max_tokens: u32,  // rows of q / out
  scale: f32,       // softmax scale, usually 1 / sqrt(headDim)
}

@group(0) @binding(0) var<storage, read> q_in: array<vec2<f32>>;          // (max_tokens, n_head * HD) f32, RoPE applied
@group(0) @binding(1) var<storage, read> k_cache: array<KvPair>;          // (ctx, n_kv_head * HD) f32 or f16 x2 per u32
@group(0) @binding(2) var<storage, read> v_cache: array<KvPair>;          // (ctx, n_kv_head * HD) f32 or f16 x2 per u32
@group(0) @binding(3) var<storage, read_write> out: array<vec2<f32>>;     // (max_tokens, n_head * HD) f32
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<uniform> params: Params;

const BQ: u32 = WG / 4u;
// Below any real score, yet exp(NEG_BIG - NEG_BIG) is 1, not NaN.
const NEG_BIG: f32 = -3.0e38;

// One tile of keys, then of values: (BK, HD) in the cache's own format (f16 tiles take
// half the space), unpacked where they are read.
var<workgroup> kv_tile: array<KvPair, BK * HP>;
// Scores of the tile, (BQ, BK): written by lane 0 of each query's quad.
var<workgroup> p_sh: array<f32, BQ * BK>;

// Rows kb .. kb + BK - 1 of one kv head; rows at or past `stop` become zeros, so
// unwritten cache rows (which may hold NaN) never reach the accumulators.
fn stage_keys(kb: u32, kvh: u32, stop: u32, lid: u32) {
  for (var i = lid; i < BK * HP; i += WG) {
    let row = kb + i / HP;
    var w = kv_pack(vec2<f32>(0.0));
    if (row < stop) {
      w = k_cache[(row * params.n_kv_head + kvh) * HP + i % HP];
    }
    kv_tile[i] = w;
  }
}

fn stage_values(kb: u32, kvh: u32, stop: u32, lid: u32) {
  for (var i = lid; i < BK * HP; i += WG) {
    let row = kb + i / HP;
    var w = kv_pack(vec2<f32>(0.0));
    if (row < stop) {
      w = v_cache[(row * params.n_kv_head + kvh) * HP + i % HP];
    }
    kv_tile[i] = w;
  }
}

// This lane's part of the dot products of its query with keys j4 .. j4 + 3 of the tile.
fn partial_scores(q: ptr<function, array<vec2<f32>, NP>>, j4: u32, lane: u32) -> vec4<f32> {
  var acc = vec4<f32>(0.0);
  for (var i = 0u; i < NP; i++) {
    let pr = lane + 4u * i;
    if (pr < HP) {
      let qv = (*q)[i];
      acc += vec4<f32>(
        dot(qv, kv_unpack(kv_tile[j4 * HP + pr])),
        dot(qv, kv_unpack(kv_tile[(j4 + 1u) * HP + pr])),
        dot(qv, kv_unpack(kv_tile[(j4 + 2u) * HP + pr])),
        dot(qv, kv_unpack(kv_tile[(j4 + 3u) * HP + pr])),
      );
    }
  }
  return acc;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tokens = min(step.tokens, params.max_tokens);
  let q0 = wid.x * BQ;
  if (q0 >= tokens) {
    return;
  }
  let h = wid.y;
  let kvh = h / (params.n_head / params.n_kv_head);
  let lane = lid % 4u;
  let ql = lid / 4u;
  let qi = q0 + ql;
  let live = qi < tokens;
  let q_pos = step.pos + qi;
  // Keys this workgroup needs: up to its last query's position (never past the cache).
  let stop = min(step.pos + min(q0 + BQ, tokens), params.ctx);

  var q: array<vec2<f32>, NP>;
  var o: array<vec2<f32>, NP>;
  let row = (qi * params.n_head + h) * HP;
  for (var i = 0u; i < NP; i++) {
    let pr = lane + 4u * i;
    q[i] = vec2<f32>(0.0);
    if (live && pr < HP) {
      q[i] = q_in[row + pr] * params.scale;
    }
    o[i] = vec2<f32>(0.0);
  }
  var m = NEG_BIG;
  var l = 0.0;

  for (var kb = 0u; kb < stop; kb += BK) {
    // Keys in this tile (uniform): the last tile stops at `stop`.
    let n = min(BK, stop - kb);
    stage_keys(kb, kvh, stop, lid);
    workgroupBarrier();
    // Causal mask: key kb + j is visible to this query iff j < visible (kb + j <= q_pos).
    let lim = min(q_pos + 1u, stop);
    let visible = select(0u, lim - kb, live && lim > kb);
    var m_tile = NEG_BIG;
    for (var j4 = 0u; j4 < n; j4 += 4u) {
      let s4 = quad_sum4(partial_scores(&q, j4, lane), lid);
      if (lane == 0u) {
        p_sh[ql * BK + j4] = s4.x;
        p_sh[ql * BK + j4 + 1u] = s4.y;
        p_sh[ql * BK + j4 + 2u] = s4.z;
        p_sh[ql * BK + j4 + 3u] = s4.w;
      }
      let seen = select(vec4<f32>(NEG_BIG), s4, vec4<u32>(j4, j4 + 1u, j4 + 2u, j4 + 3u) < vec4<u32>(visible));
      m_tile = max(m_tile, max(max(seen.x, seen.y), max(seen.z, seen.w)));
    }
    let m_new = max(m, m_tile);
    let corr = exp(m - m_new);
    m = m_new;
    l *= corr;
    for (var i = 0u; i < NP; i++) {
      o[i] *= corr;
    }
    workgroupBarrier();
    stage_values(kb, kvh, stop, lid);
    workgroupBarrier();
    for (var j = 0u; j < n; j++) {
      let p = select(0.0, exp(p_sh[ql * BK + j] - m_new), j < visible);
      l += p;
      for (var i = 0u; i < NP; i++) {
        o[i] += p * kv_unpack(kv_tile[j * HP + min(lane + 4u * i, HP - 1u)]);
      }
    }
    workgroupBarrier();
  }

  if (live) {
    let inv = 1.0 / l;
    for (var i = 0u; i < NP; i++) {
      let pr = lane + 4u * i;
      if (pr < HP) {
        out[row + pr] = o[i] * inv;
      }
    }
  }
}
