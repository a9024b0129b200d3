// KV cache stored as f32. Per layer: (ctx, nKvHead * headDim) f32, bound as
// (ctx, nKvHead * headDim / 2) KvPair: one KvPair is two neighbouring values of
// a row (headDim is even, so a pair never straddles two heads).
alias KvPair = vec2<f32>;

fn kv_unpack(w: KvPair) -> vec2<f32> {
  return w;
}

fn kv_pack(v: vec2<f32>) -> KvPair {
  return v;
}
