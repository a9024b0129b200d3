/**
 * quantize_row_q8_0_ref. block_q8_0 (34 bytes): f16 d = amax / 127, then 32
 * int8 q = roundf(x / d) (half away from zero); value = q · d.
 */
import { f32ToF16Bits } from './half.ts';

const fr = Math.fround;

/** Encode `blocks` blocks of 32 values from x[xo..] into out[oo..]. */
export function quantizeQ8_0(x: Float32Array, xo: number, blocks: number, out: Uint8Array, oo: number): void {
  for (let b = 0; b < blocks; b++, xo += 32, oo += 34) {
    let amax = 0;
    for (let j = 0; j < 32; j++) {
      const a = Math.abs(x[xo + j]!);
      // biome-ignore lint/complexity/useMathMinMax: C's MAX(amax, a) drops a NaN amax at the next value; Math.max would keep it.
      amax = amax > a ? amax : a;
    }
    const d = fr(amax / 127);
    const id = d !== 0 ? fr(1 / d) : 0;
    const h = f32ToF16Bits(d);
    out[oo] = h & 0xff;
    out[oo + 1] = h >>> 8;
    for (let j = 0; j < 32; j++) {
      const t = fr(x[xo + j]! * id);
      // roundf; the Uint8Array store keeps the int8's two's-complement byte.
      out[oo + 2 + j] = (t < 0 ? -Math.round(-t) : Math.round(t)) | 0;
    }
  }
}
