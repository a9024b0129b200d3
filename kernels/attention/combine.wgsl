// Decode attention, pass 2 of 2: one workgroup per q head merges the partials
// of the splits step.kv_len used (decode_splits.wgsl): with M = max_s m_s and
// w_s = exp(m_s - M), out = Σ_s w_s o_s / Σ_s w_s l_s. Thread s < splits holds
// split s for the max and sum (wg_max / wg_sum from the reduction part, which
// owns the entry point); then threads stride over the head's output pairs.
// Needs WG >= max_splits.

struct Params {
  ctx: u32,
  max_splits: u32,
  min_chunk: u32,
  hp: u32,  // pairs per head: headDim / 2
}

// (n_head, max_splits, hp + 1) vec2<f32>: hp pairs of o, then (m, l).
@group(0) @binding(0) var<storage, read> partials: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read_write> out: array<vec2<f32>>;  // (1, n_head * headDim) f32
@group(0) @binding(2) var<uniform> step: Step;
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 64u;

const NEG_BIG: f32 = -3.0e38;

var<workgroup> weight_sh: array<f32, WG>;

fn kernel(wid: vec3<u32>, lid: u32, nwg: vec3<u32>) {
  let h = wid.x;
  let splits = decode_splits(min(step.kv_len, params.ctx), params.max_splits, params.min_chunk).x;
  let rec = params.hp + 1u;
  let base = h * params.max_splits * rec;
  var ml = vec2<f32>(NEG_BIG, 0.0);
  if (lid < splits) {
    ml = partials[base + lid * rec + params.hp];
  }
  let m = wg_max(ml.x, lid);
  let w = select(0.0, exp(ml.x - m), lid < splits);
  weight_sh[lid] = w;
  // wg_sum's barriers also publish weight_sh.
  let inv = 1.0 / wg_sum(w * ml.y, lid);
  for (var pr = lid; pr < params.hp; pr += WG) {
    var a = vec2<f32>(0.0);
    for (var s = 0u; s < splits; s++) {
      a += weight_sh[s] * partials[base + s * rec + pr];
    }
    out[h * params.hp + pr] = a * inv;
  }
}
