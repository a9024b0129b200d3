// Logits as a total order on u32 keys, so selection is exact integer work: a larger logit has a
// larger key, -0 and +0 share one, and NaN (key 0) sorts below -inf (key 0x007fffff).
fn order_key(x: f32) -> u32 {
  var b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) {
    return 0u;
  }
  if (b == 0x80000000u) {
    b = 0u;
  }
  if ((b & 0x80000000u) != 0u) {
    return ~b;
  }
  return b | 0x80000000u;
}

// The f32 bits of a non-NaN key's logit (-0 comes back as +0).
fn key_bits(key: u32) -> u32 {
  if ((key & 0x80000000u) != 0u) {
    return key & 0x7fffffffu;
  }
  return ~key;
}

// (key, token id) pairs: a beats b when its key is larger, or equal with a lower id (ties → lowest id).
fn beats(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.x > b.x || (a.x == b.x && a.y < b.y);
}

// Loses to every real (key, id): the start of every argmax reduction.
const NO_BEST: vec2<u32> = vec2<u32>(0u, 0xffffffffu);
