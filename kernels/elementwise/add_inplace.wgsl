// y is a: one read_write binding, since WebGPU forbids a writable binding aliasing another.
@group(0) @binding(0) var<storage, read_write> a: array<V>;  // (n) V, overwritten with a + b

fn load_a(i: u32) -> V {
  return a[i];
}

fn store_y(i: u32, v: V) {
  a[i] = v;
}
