// Decode's KV loader for an f32 cache whose head rows are whole 8-value groups
// (headDim a multiple of 8): eight values in two vec4<f32> loads.

/** Eight consecutive values of one head row. */
struct V8 {
  lo: vec4<f32>,
  hi: vec4<f32>,
}

@group(0) @binding(1) var<storage, read> k_cache: array<vec4<f32>>;  // (ctx, n_kv_head * HD / 4) vec4<f32>
@group(0) @binding(2) var<storage, read> v_cache: array<vec4<f32>>;

// Dims 8·d8 .. 8·d8+7 of head row `row` = key · n_kv_head + kv head.
fn k_load8(row: u32, d8: u32) -> V8 {
  let i = 2u * (row * D8 + d8);
  return V8(k_cache[i], k_cache[i + 1u]);
}

fn v_load8(row: u32, d8: u32) -> V8 {
  let i = 2u * (row * D8 + d8);
  return V8(v_cache[i], v_cache[i + 1u]);
}
