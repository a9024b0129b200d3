// KV cache stored as f16, two values packed per u32 (low half = the even
// element), halving the cache's memory and the bandwidth attention reads.
// Per layer: (ctx, nKvHead * headDim / 2) u32. The one home of the f16 cache
// conversion: no kernel needs shader-f16 for it. Values outside the f16 range
// are indeterminate after packing (WGSL pack2x16float), as in any f16 KV cache.
alias KvPair = u32;

fn kv_unpack(w: KvPair) -> vec2<f32> {
  return unpack2x16float(w);
}

fn kv_pack(v: vec2<f32>) -> KvPair {
  return pack2x16float(v);
}
