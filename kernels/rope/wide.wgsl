// 64-bit unsigned helpers from u32 arithmetic (WGSL has no u64). Values are vec2<u32>(hi, lo).

// a * b as a full 64-bit product.
fn mul_wide(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  // Middle column: the high half of p00 plus the low halves of the cross terms (< 3 * 2^16).
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  let lo = (p00 & 0xffffu) | (mid << 16u);
  let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
  return vec2<u32>(hi, lo);
}

// The low 32 bits of x >> s, for any s (WGSL shifts take the amount modulo 32).
fn shr64_lo(x: vec2<u32>, s: u32) -> u32 {
  if (s == 0u) {
    return x.y;
  }
  if (s < 32u) {
    return (x.y >> s) | (x.x << (32u - s));
  }
  if (s < 64u) {
    return x.x >> (s - 32u);
  }
  return 0u;
}

// a < b
fn lt64(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.x < b.x || (a.x == b.x && a.y < b.y);
}
