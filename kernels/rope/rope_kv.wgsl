// Entry point: RoPE fused with the KV-cache append. q turns in place as in rope_main.wgsl; k is
// read unrotated and lands rotated in the cache at row step.pos + t, with v copied beside it, so
// one launch replaces rope + kv_write. One thread per q pair, then one per KvPair of the cache
// row (two neighbouring elements: each is rotated with its own pair's angle, which covers
// neox's halves pairing too). Rotations use rotate() as rope_main does: the same bits.
// Needs KvPair / kv_pack (kv_f16 / kv_f32 from attention/).

@group(0) @binding(1) var<storage, read> k: array<f32>;                  // (tokens, n_kv_heads * head_dim) f32, unrotated
@group(0) @binding(6) var<storage, read> v: array<f32>;                  // (tokens, n_kv_heads * head_dim) f32
@group(0) @binding(7) var<storage, read_write> k_cache: array<KvPair>;  // (ctx, n_kv_heads * head_dim) in the cache dtype
@group(0) @binding(8) var<storage, read_write> v_cache: array<KvPair>;  // (ctx, n_kv_heads * head_dim) in the cache dtype

// Element e of token t's k row, rotated for position pos.
fn rotated_k(t: u32, e: u32, pos: u32) -> f32 {
  let head_dim = 2u * params.half;
  let head = e / head_dim;
  let pair = pair_of_dim(e - head * head_dim);
  let base = t * params.k_pairs * 2u + head * head_dim;
  let own = k[t * params.k_pairs * 2u + e];
  let partner = k[base + pair.y];
  let cs = rope_cos_sin(pos, pair.x);
  if (pair.z == 1u) {
    return rotate(vec2<f32>(own, partner), cs).x;
  }
  return rotate(vec2<f32>(partner, own), cs).y;
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let g = (wid.x + wid.y * nwg.x) * WG + lid;
  let row_pairs = params.q_pairs + params.k_pairs;
  let t = g / row_pairs;
  if (t >= min(step.tokens, params.tokens)) {
    return;
  }
  let p = g - t * row_pairs;
  let pos = step.pos + t;
  if (p < params.q_pairs) {
    rotate_q(t, p, rope_cos_sin(pos, p % params.half));
    return;
  }
  if (pos >= params.ctx) {
    return;
  }
  let j = p - params.q_pairs;  // KvPair of the row: elements 2j, 2j + 1
  let e = 2u * j;
  let dst = pos * params.k_pairs + j;
  k_cache[dst] = kv_pack(vec2<f32>(rotated_k(t, e, pos), rotated_k(t, e + 1u, pos)));
  let src = t * params.k_pairs * 2u + e;
  v_cache[dst] = kv_pack(vec2<f32>(v[src], v[src + 1u]));
}
