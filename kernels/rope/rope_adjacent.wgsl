// llama (GGUF / ggml "normal" mode): pair i of a head is (x[2i], x[2i + 1]).
// Row offsets of pair p (head p / half, pair p % half) within a row.
fn pair_offsets(p: u32) -> vec2<u32> {
  let a = 2u * p;
  return vec2<u32>(a, a + 1u);
}
