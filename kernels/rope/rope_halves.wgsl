// qwen2 / neox: pair i of a head is (x[i], x[i + head_dim / 2]).
// Row offsets of pair p (head p / half, pair p % half) within a row.
fn pair_offsets(p: u32) -> vec2<u32> {
  let h = p / params.half;
  let a = h * 2u * params.half + (p - h * params.half);
  return vec2<u32>(a, a + params.half);
}
