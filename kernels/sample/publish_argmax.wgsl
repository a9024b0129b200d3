@group(0) @binding(1) var<storage, read_write> out: array<u32>;  // (1) token id, or (2) id and prob (f32 bits)

fn publish(best: vec2<u32>) {
  out[0] = best.y;
  if (arrayLength(&out) > 1u) {
    out[1] = bitcast<u32>(1.0);
  }
}
