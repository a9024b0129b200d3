/**
 * f32 values → the GGUF bytes of a tensor, bit for bit what ggml's reference
 * quantizers (`quantize_row_*_ref`, `ggml_fp32_to_fp16_row`,
 * `ggml_fp32_to_bf16_row_ref`) write, i.e. what llama.cpp's
 * `ggml_quantize_chunk` produces with no importance matrix.
 */
import { RuntimeError } from '@webseek/api';
import { type GgmlTypeName, ggmlType } from '../ggml.ts';
import { encodeBf16, encodeF16, encodeF32 } from './float.ts';
import { quantizeQ4_0 } from './q4_0.ts';
import { quantizeQ4K } from './q4_k.ts';
import { quantizeQ6K } from './q6_k.ts';
import { quantizeQ8_0 } from './q8_0.ts';

/** Encodes `blocks` blocks read from x[xo..] into out[oo..]. */
type BlockEncoder = (x: Float32Array, xo: number, blocks: number, out: Uint8Array, oo: number) => void;

const ENCODERS: Record<GgmlTypeName, BlockEncoder> = {
  f32: encodeF32,
  f16: encodeF16,
  bf16: encodeBf16,
  q4_0: quantizeQ4_0,
  q8_0: quantizeQ8_0,
  q4_k: quantizeQ4K,
  q6_k: quantizeQ6K,
};

/**
 * The GGUF bytes of an (n, k) tensor stored as `type`: `values` holds n rows
 * of k f32 values, row-major (GGUF's ne = [k, n]). k must be a positive
 * multiple of the type's block size (32 for q4_0/q8_0, 256 for q4_k/q6_k).
 * Output: n · k / blockValues · blockBytes bytes.
 */
export function quantize(type: GgmlTypeName, values: Float32Array, k: number, n: number): Uint8Array {
  const info = ggmlType(type);
  if (!Number.isSafeInteger(k) || k <= 0 || k % info.blockValues !== 0) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `quantize ${info.name}: row length k = ${k} must be a positive multiple of the ${info.name} block size ${info.blockValues}`,
      { details: { type: info.name, k, blockValues: info.blockValues } },
    );
  }
  if (!Number.isSafeInteger(n) || n < 0 || values.length !== k * n) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `quantize ${info.name}: ${values.length} values do not form ${n} rows of k = ${k}`,
      { details: { type: info.name, k, n, values: values.length } },
    );
  }
  const blocks = (k / info.blockValues) * n;
  const out = new Uint8Array(blocks * info.blockBytes);
  ENCODERS[info.name](values, 0, blocks, out, 0);
  return out;
}
