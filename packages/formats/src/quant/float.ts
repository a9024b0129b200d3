/**
 * Float "quantizers": f32 copied as little-endian bytes, f16 and bf16 rounded
 * as ggml_fp32_to_fp16_row / ggml_fp32_to_bf16_row_ref do. Rows are 1 value.
 */
import { bf16FromF32Bits, f16FromF32Bits } from './half.ts';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The f32 bit patterns of x[xo..xo+count), without copying. */
function bitsOf(x: Float32Array, xo: number, count: number): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset + 4 * xo, count);
}

export function encodeF32(x: Float32Array, xo: number, count: number, out: Uint8Array, oo: number): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(x.buffer, x.byteOffset + 4 * xo, 4 * count), oo);
    return;
  }
  const bits = bitsOf(x, xo, count);
  for (let i = 0; i < count; i++, oo += 4) {
    const w = bits[i]!;
    out[oo] = w & 0xff;
    out[oo + 1] = (w >>> 8) & 0xff;
    out[oo + 2] = (w >>> 16) & 0xff;
    out[oo + 3] = w >>> 24;
  }
}

export function encodeF16(x: Float32Array, xo: number, count: number, out: Uint8Array, oo: number): void {
  const bits = bitsOf(x, xo, count);
  for (let i = 0; i < count; i++, oo += 2) {
    const h = f16FromF32Bits(bits[i]!);
    out[oo] = h & 0xff;
    out[oo + 1] = h >>> 8;
  }
}

export function encodeBf16(x: Float32Array, xo: number, count: number, out: Uint8Array, oo: number): void {
  const bits = bitsOf(x, xo, count);
  for (let i = 0; i < count; i++, oo += 2) {
    const h = bf16FromF32Bits(bits[i]!);
    out[oo] = h & 0xff;
    out[oo + 1] = h >>> 8;
  }
}
