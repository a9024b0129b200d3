// How one decode step cuts its kv_len keys into splits ("flash decoding"):
// aim for `min_chunk` keys per split, at most `max_splits` splits (the number
// of split workgroups dispatched, fixed at prepare), chunks rounded up to whole
// 16-key tiles. Returns (splits used, keys per split); every used split holds at
// least one key. Shared by the partial and combine kernels so both agree.

const SPLIT_ALIGN: u32 = 16u;

fn decode_splits(kv_len: u32, max_splits: u32, min_chunk: u32) -> vec2<u32> {
  let keys = max(kv_len, 1u);
  let want = clamp((keys + min_chunk - 1u) / min_chunk, 1u, max_splits);
  let chunk = (((keys + want - 1u) / want + SPLIT_ALIGN - 1u) / SPLIT_ALIGN) * SPLIT_ALIGN;
  return vec2<u32>((keys + chunk - 1u) / chunk, chunk);
}
