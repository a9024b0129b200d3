// qwen2 / neox: pair i of a head is (x[i], x[i + head_dim / 2]).
// Row offsets of pair p (head p / half, pair p % half) within a row.
fn pair_offsets(p: u32) -> vec2<u32> {
  let h = p / params.half;
  let a = h * 2u * params.half + (p - h * params.half);
  return vec2<u32>(a, a + params.half);
}

// Element d of a head (0 <= d < head_dim): (its pair, its partner element, 1 if it is the pair's first).
fn pair_of_dim(d: u32) -> vec3<u32> {
  if (d < params.half) {
    return vec3<u32>(d, d + params.half, 1u);
  }
  return vec3<u32>(d - params.half, d - params.half, 0u);
}
