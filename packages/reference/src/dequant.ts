import { dequantize, type GgmlTypeName } from '@webseek/formats';

/** An (n rows, k values) GGUF tensor as a dense row-major f32 matrix (formats' dequantize). */
export function dequantizeMatrix(type: GgmlTypeName | number, raw: Uint8Array, k: number, n: number): Float32Array {
  return dequantize(type, raw, k * n);
}
