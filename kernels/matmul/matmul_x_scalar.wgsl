// X loader for any K: four bounds-checked scalar loads.

@group(0) @binding(2) var<storage, read> x: array<f32>;  // (M, K) f32

// X[m, k .. k+3]; values past the row's end are zero.
fn x_load4(m: u32, k: u32, kdim: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  let base = m * kdim;
  for (var e = 0u; e < 4u; e++) {
    if (k + e < kdim) {
      v[e] = x[base + k + e];
    }
  }
  return v;
}
