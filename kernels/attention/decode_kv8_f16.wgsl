// Decode's KV loader for an f16 cache whose head rows are 16-byte aligned
// (headDim a multiple of 8): eight values in one vec4<u32> load.

/** Eight consecutive values of one head row. */
struct V8 {
  lo: vec4<f32>,
  hi: vec4<f32>,
}

@group(0) @binding(1) var<storage, read> k_cache: array<vec4<u32>>;  // (ctx, n_kv_head * HD / 8) vec4<u32> = f16 x8
@group(0) @binding(2) var<storage, read> v_cache: array<vec4<u32>>;

fn kv8_unpack(w: vec4<u32>) -> V8 {
  return V8(vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y)), vec4<f32>(unpack2x16float(w.z), unpack2x16float(w.w)));
}

// Dims 8·d8 .. 8·d8+7 of head row `row` = key · n_kv_head + kv head.
fn k_load8(row: u32, d8: u32) -> V8 {
  return kv8_unpack(k_cache[row * D8 + d8]);
}

fn v_load8(row: u32, d8: u32) -> V8 {
  return kv8_unpack(v_cache[row * D8 + d8]);
}
