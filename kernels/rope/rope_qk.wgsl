// q and k in one dispatch: k's pairs follow q's in each row's thread range.
@group(0) @binding(1) var<storage, read_write> k: array<f32>;  // (tokens, n_kv_heads * head_dim) f32

fn rotate_k(t: u32, p: u32, cs: vec2<f32>) {
  let at = t * params.k_pairs * 2u + pair_offsets(p);
  let v = rotate(vec2<f32>(k[at.x], k[at.y]), cs);
  k[at.x] = v.x;
  k[at.y] = v.y;
}
