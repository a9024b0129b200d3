// Appends this step's keys and values to one layer's cache: rows
// step.pos .. step.pos + tokens - 1, tokens = min(step.tokens, max_tokens).
// One thread per KvPair; rows at or past ctx are skipped (the engine reports
// CONTEXT_OVERFLOW before it gets here).

struct Params {
  kv_pairs: u32,    // KvPairs per cache row: nKvHead * headDim / 2
  ctx: u32,         // rows in the cache
  max_tokens: u32,  // rows of k_new / v_new
  _pad: u32,
}

@group(0) @binding(0) var<storage, read> k_new: array<vec2<f32>>;            // (max_tokens, nKvHead * headDim) f32
@group(0) @binding(1) var<storage, read> v_new: array<vec2<f32>>;            // (max_tokens, nKvHead * headDim) f32
@group(0) @binding(2) var<storage, read_write> k_cache: array<KvPair>;       // (ctx, nKvHead * headDim) f32 or f16 x2 per u32
@group(0) @binding(3) var<storage, read_write> v_cache: array<KvPair>;       // (ctx, nKvHead * headDim) f32 or f16 x2 per u32
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<uniform> params: Params;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  let t = i / params.kv_pairs;
  if (t >= min(step.tokens, params.max_tokens)) {
    return;
  }
  let row = step.pos + t;
  if (row >= params.ctx) {
    return;
  }
  let dst = row * params.kv_pairs + i % params.kv_pairs;
  k_cache[dst] = kv_pack(k_new[i]);
  v_cache[dst] = kv_pack(v_new[i]);
}
