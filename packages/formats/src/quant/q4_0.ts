/**
 * quantize_row_q4_0_ref. block_q4_0 (18 bytes): f16 d, then qs[16] where
 * value j sits in the low nibble of qs[j] and value j+16 in the high nibble;
 * value = (q - 8) · d, with d = (the value of largest magnitude) / -8.
 */
import { f32ToF16Bits } from './half.ts';

const fr = Math.fround;

/** Encode `blocks` blocks of 32 values from x[xo..] into out[oo..]. */
export function quantizeQ4_0(x: Float32Array, xo: number, blocks: number, out: Uint8Array, oo: number): void {
  for (let b = 0; b < blocks; b++, xo += 32, oo += 18) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[xo + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    // All zeros give d = 0 / -8 = -0, stored as f16 0x8000, as in ggml.
    const d = fr(max / -8);
    const id = d !== 0 ? fr(1 / d) : 0;
    const h = f32ToF16Bits(d);
    out[oo] = h & 0xff;
    out[oo + 1] = h >>> 8;
    for (let j = 0; j < 16; j++) {
      const q0 = level(fr(fr(x[xo + j]! * id) + 8.5));
      const q1 = level(fr(fr(x[xo + 16 + j]! * id) + 8.5));
      out[oo + 2 + j] = q0 | (q1 << 4);
    }
  }
}

/**
 * MIN(15, (int8_t)t) as a uint8: C truncates toward zero. |0 gives 0 for
 * NaN/Inf (an all-Inf block), matching x86's cvttss2si → INT_MIN → low byte 0.
 */
function level(t: number): number {
  const i = ((t | 0) << 24) >> 24;
  return Math.min(i, 15) & 0xff;
}
