/**
 * f32 → f16 / bf16 exactly as ggml writes them, on raw bit patterns.
 *
 * f16 follows ggml-impl.h `ggml_compute_fp32_to_fp16` (what GGML_FP32_TO_FP16
 * and `ggml_fp32_to_fp16_row` use): round to nearest even, subnormal halves
 * kept, |x| ≥ 65520 → ±Inf, any NaN → sign | 0x7E00 (payload dropped, unlike
 * F16C hardware). ggml reaches that with float tricks; here it is integer
 * arithmetic, checked against a literal port of ggml's code over every f32
 * bit pattern (see test/unit/quantize.test.ts for the sampled version).
 *
 * bf16 follows `ggml_compute_fp32_to_bf16`: round to nearest even on the bits,
 * NaN keeps sign and top payload bits and gets the quiet bit (0x40) forced.
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The IEEE binary32 bit pattern of `value` (rounded to f32 first). */
export function f32Bits(value: number): number {
  F32[0] = value;
  return U32[0]!;
}

/** f32 bits → f16 bits, ggml's rounding. */
export function f16FromF32Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const a = x & 0x7fffffff;
  if (a >= 0x38800000) {
    // |v| ≥ 2^-14: a normal half unless it rounds past 65504 (0x477ff000 = 65520.0).
    if (a >= 0x477ff000) return sign | (a > 0x7f800000 ? 0x7e00 : 0x7c00);
    const m = a - 0x38000000; // rebias the exponent 127 → 15
    return sign | ((m + 0xfff + ((m >>> 13) & 1)) >>> 13);
  }
  // |v| ≤ 2^-25 rounds to ±0 (2^-25 itself is a tie, and 0 is even).
  if (a <= 0x33000000) return sign;
  // Subnormal half: count units of 2^-24, round to nearest even.
  const shift = 126 - (a >>> 23); // 14..24
  const mant = (a & 0x7fffff) | 0x800000;
  const q = mant >>> shift;
  const r = mant - (q << shift);
  const half = 1 << (shift - 1);
  return sign | (r > half || (r === half && (q & 1) === 1) ? q + 1 : q);
}

/** f32 bits → bf16 bits, ggml's rounding. */
export function bf16FromF32Bits(x: number): number {
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x >>> 0) + 0x7fff + ((x >>> 16) & 1)) >>> 16;
}

/** number → f16 bits (the value is rounded to f32 first, as a C float would be). */
export function f32ToF16Bits(value: number): number {
  return f16FromF32Bits(f32Bits(value));
}

/** number → bf16 bits (the value is rounded to f32 first). */
export function f32ToBf16Bits(value: number): number {
  return bf16FromF32Bits(f32Bits(value));
}

let f16Table: Float32Array | undefined;

/** f16 bits → f32 value (exact; a 64k-entry table built on first use). */
export function f16BitsToF32(h: number): number {
  if (!f16Table) f16Table = buildF16Table();
  return f16Table[h & 0xffff]!;
}

function buildF16Table(): Float32Array {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    const mag =
      exp === 0 ? mant * 2 ** -24 : exp === 31 ? (mant ? Number.NaN : Infinity) : (1024 + mant) * 2 ** (exp - 25);
    t[h] = h & 0x8000 ? -mag : mag;
  }
  return t;
}
