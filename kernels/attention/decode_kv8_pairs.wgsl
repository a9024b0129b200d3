// Decode's KV loader for any even headDim: four KvPair loads (kv_f16 / kv_f32
// part) per eight values; dims past the head read as 0 and are never loaded.

/** Eight consecutive values of one head row. */
struct V8 {
  lo: vec4<f32>,
  hi: vec4<f32>,
}

@group(0) @binding(1) var<storage, read> k_cache: array<KvPair>;  // (ctx, n_kv_head * HD / 2) KvPair
@group(0) @binding(2) var<storage, read> v_cache: array<KvPair>;

fn k_pair(row: u32, p: u32) -> vec2<f32> {
  if (p >= HP) {
    return vec2<f32>(0.0);
  }
  return kv_unpack(k_cache[row * HP + p]);
}

fn v_pair(row: u32, p: u32) -> vec2<f32> {
  if (p >= HP) {
    return vec2<f32>(0.0);
  }
  return kv_unpack(v_cache[row * HP + p]);
}

// Dims 8·d8 .. 8·d8+7 of head row `row` = key · n_kv_head + kv head.
fn k_load8(row: u32, d8: u32) -> V8 {
  let p = 4u * d8;
  return V8(vec4<f32>(k_pair(row, p), k_pair(row, p + 1u)), vec4<f32>(k_pair(row, p + 2u), k_pair(row, p + 3u)));
}

fn v_load8(row: u32, d8: u32) -> V8 {
  let p = 4u * d8;
  return V8(vec4<f32>(v_pair(row, p), v_pair(row, p + 1u)), vec4<f32>(v_pair(row, p + 2u), v_pair(row, p + 3u)));
}
