// llama (GGUF / ggml "normal" mode): pair i of a head is (x[2i], x[2i + 1]).
// Row offsets of pair p (head p / half, pair p % half) within a row.
fn pair_offsets(p: u32) -> vec2<u32> {
  let a = 2u * p;
  return vec2<u32>(a, a + 1u);
}

// Element d of a head (0 <= d < head_dim): (its pair, its partner element, 1 if it is the pair's first).
fn pair_of_dim(d: u32) -> vec3<u32> {
  return vec3<u32>(d / 2u, d ^ 1u, 1u - (d & 1u));
}
