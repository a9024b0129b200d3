@group(0) @binding(0) var<storage, read> a: array<V>;        // (n) V
@group(0) @binding(2) var<storage, read_write> y: array<V>;  // (n) V

fn load_a(i: u32) -> V {
  return a[i];
}

fn store_y(i: u32, v: V) {
  y[i] = v;
}
