// Per-pair frequency factors (GGUF rope_freqs, llama3 scaling): theta_i /= freq_factors[i].
// The division is exact too: (whole . frac) * 2^24 is divided by the factor's 24-bit mantissa
// with integer long division, one byte at a time, keeping only the low 64 quotient bits (the
// fraction and a few whole turns: whole turns do not change the angle). Factors must be positive
// normal f32 below 2^31.
@group(0) @binding(3) var<storage, read> freq_factors: array<f32>;  // (half) f32

fn scaled_fraction(whole: u32, frac: u32, i: u32) -> u32 {
  let bits = bitcast<u32>(freq_factors[i]);
  let mant = (bits & 0x7fffffu) | 0x800000u;
  let exp = i32((bits >> 23u) & 0xffu) - 150;  // factor = mant * 2^exp
  // Dividend (whole . frac) * 2^56 as 11 bytes, most significant first: whole, frac, 3 zero bytes.
  var rem = 0u;
  var q_hi = 0u;
  var q_lo = 0u;
  for (var b = 0u; b < 11u; b++) {
    var byte = 0u;
    if (b < 4u) {
      byte = (whole >> (24u - 8u * b)) & 0xffu;
    } else if (b < 8u) {
      byte = (frac >> (24u - 8u * (b - 4u))) & 0xffu;
    }
    rem = (rem << 8u) | byte;  // rem < mant < 2^24 before the shift
    q_hi = (q_hi << 8u) | (q_lo >> 24u);
    q_lo = (q_lo << 8u) | (rem / mant);
    rem = rem % mant;
  }
  // turns / factor = q * 2^-(56 + exp): the fraction's top 32 bits are q's bits k-1 .. k-32.
  let k = 56 + exp;
  if (k <= 0) {
    return 0u;
  }
  if (k < 32) {
    return q_lo << u32(32 - k);
  }
  return shr64_lo(vec2<u32>(q_hi, q_lo), u32(k - 32));
}
