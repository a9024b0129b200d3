/**
 * The GPU layout of every weight type, next to its WGSL decoder.
 *
 * GGUF stores a 2-D weight as N rows of K values (K contiguous), in ggml blocks
 * (`ggml-common.h`). At upload we repack each type into u32-aligned words that
 * suit the GPU, so that every decoder answers one question the same way:
 *
 *   fn w_decode8(g8: u32) -> W8   // values 8*g8 .. 8*g8+7, g8 = row * K8 + k / 8
 *
 * with K8 = ceil(K / 8) chunks per row (float rows are zero-padded to a multiple
 * of 8; quantized rows are whole blocks, so K8 = K / 8). Bindings, declared by
 * the decoder part: @binding(0) w_q (quant words), @binding(1) w_s (scales; only
 * for block-quantized types). Kernels using a decoder start their own bindings at 2.
 */
import { RuntimeError } from '@webseek/api';
import f32Decoder from './f32.wgsl?raw';

export const WEIGHT_TYPES = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_k', 'q6_k'] as const;
export type WeightType = (typeof WEIGHT_TYPES)[number];

/** A weight matrix in the GPU layout its decoder reads. */
export interface RepackedWeights {
  type: WeightType;
  /** Values per row (the reduction dimension). */
  k: number;
  /** Rows. */
  n: number;
  /** 8-value chunks per row: ceil(k / 8). */
  k8: number;
  /** Quant words, bound at @binding(0). */
  q: Uint32Array;
  /** Scale words, bound at @binding(1); absent for float types. */
  s?: Uint32Array;
}

export interface WeightFormat {
  type: WeightType;
  /** ggml's type id in GGUF tensor infos. */
  ggmlType: number;
  /** Values per ggml block (1 for float types); k must be a multiple of it. */
  blockValues: number;
  /** Bytes per ggml block. */
  blockBytes: number;
  /** The WGSL decoder part: declares w_q (and w_s) and defines w_decode8. */
  decoder: string;
  /** From a tensor's GGUF bytes (n rows of k values) to the GPU layout. */
  repack(raw: Uint8Array, k: number, n: number): RepackedWeights;
}

const formats = new Map<WeightType, WeightFormat>();

export function registerWeightFormat(format: WeightFormat): void {
  formats.set(format.type, format);
}

export function weightFormat(type: WeightType, kernel = 'weights'): WeightFormat {
  const format = formats.get(type);
  if (!format) {
    throw new RuntimeError(
      'UNSUPPORTED_QUANT',
      `kernel '${kernel}' has no decoder for weight type '${type}'; supported: ${[...formats.keys()].join(', ')}`,
      { details: { kernel, type } },
    );
  }
  return format;
}

export function supportedWeightTypes(): WeightType[] {
  return [...formats.keys()];
}

/** Bytes a tensor of n rows × k values takes in GGUF. */
export function ggufBytes(format: WeightFormat, k: number, n: number): number {
  return (k / format.blockValues) * format.blockBytes * n;
}

/** Checks a raw tensor against its shape before repacking; names the type and shape when it does not fit. */
export function checkRaw(format: WeightFormat, raw: Uint8Array, k: number, n: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k <= 0 || n <= 0 || k % format.blockValues !== 0) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `weight type '${format.type}' needs rows that are whole blocks of ${format.blockValues} values; got k=${k} n=${n}`,
      { details: { type: format.type, k, n } },
    );
  }
  const bytes = ggufBytes(format, k, n);
  if (raw.byteLength < bytes) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `weight type '${format.type}' k=${k} n=${n} needs ${bytes} bytes, got ${raw.byteLength}`,
      { details: { type: format.type, k, n, bytes, got: raw.byteLength } },
    );
  }
}

registerWeightFormat({
  type: 'f32',
  ggmlType: 0,
  blockValues: 1,
  blockBytes: 4,
  decoder: f32Decoder,
  repack(raw, k, n) {
    checkRaw(this, raw, k, n);
    const k8 = Math.ceil(k / 8);
    const src = new Uint32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + k * n * 4));
    const q = new Uint32Array(n * k8 * 8);
    for (let row = 0; row < n; row++) q.set(src.subarray(row * k, row * k + k), row * k8 * 8);
    return { type: 'f32', k, n, k8, q };
  },
});
