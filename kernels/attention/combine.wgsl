// Decode attention, pass 2 of 2: one workgroup per q head merges the partials
// of the splits step.kv_len used (decode_splits.wgsl): with M = max_s m_s and
// w_s = exp(m_s - M), out = Σ_s w_s o_s / Σ_s w_s l_s. Every thread folds the
// (m, l) of all splits itself (the same addresses in every thread: a broadcast),
// so there is no reduction across threads and no barrier; threads stride over
// the head's output pairs.

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

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x;
  let splits = decode_splits(min(step.kv_len, params.ctx), params.max_splits, params.min_chunk).x;
  let rec = params.hp + 1u;
  let base = h * params.max_splits * rec;
  var m = NEG_BIG;
  for (var s = 0u; s < splits; s++) {
    m = max(m, partials[base + s * rec + params.hp].x);
  }
  for (var pr = lid; pr < params.hp; pr += WG) {
    var a = vec2<f32>(0.0);
    var l = 0.0;
    for (var s = 0u; s < splits; s++) {
      let ml = partials[base + s * rec + params.hp];
      let w = exp(ml.x - m);
      l += w * ml.y;
      a += w * partials[base + s * rec + pr];
    }
    out[h * params.hp + pr] = a / l;
  }
}
