/**
 * The shapes shared by every weight format (see weights.ts for the contract)
 * and the byte helpers their repack functions use. Repacking runs on every
 * model load, so it works on typed arrays word by word, never value objects.
 */
import { RuntimeError } from '@webseek/api';
import quant from './quant.wgsl?raw';

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
  /**
   * The WGSL decoder part: declares w_q (and w_s) and defines w_quant8, w_quant32
   * and the shared w_decode8 (see quant.wgsl); build it with `decoderPart`.
   */
  decoder: string;
  /** u32 words of the repacked w_q and w_s (0 when absent) for n rows of k values. */
  words(k: number, n: number): { q: number; s: number };
  /** From a tensor's GGUF bytes (n rows of k values) to the GPU layout. */
  repack(raw: Uint8Array, k: number, n: number): RepackedWeights;
}

/** A type's WGSL (bindings, w_quant8, w_quant32) joined to the shared affine part (Q8, Q32, w_decode8). */
export function decoderPart(typePart: string): string {
  return `${typePart}\n\n${quant}`;
}

/** Bytes a tensor of n rows × k values takes in GGUF. */
export function ggufBytes(format: Pick<WeightFormat, 'blockValues' | 'blockBytes'>, k: number, n: number): number {
  return (k / format.blockValues) * format.blockBytes * n;
}

/** Checks a raw tensor against its shape before repacking; names the type and shape when it does not fit. */
export function checkRaw(format: WeightFormat, raw: Uint8Array, k: number, n: number): void {
  checkShape(format, k, n, 'weights');
  const bytes = ggufBytes(format, k, n);
  if (raw.byteLength < bytes) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `weight type '${format.type}' k=${k} n=${n} needs ${bytes} bytes, got ${raw.byteLength}`,
      { details: { type: format.type, k, n, bytes, got: raw.byteLength } },
    );
  }
}

/** Throws INVALID_ARGUMENT naming kernel, type and shape unless rows are whole blocks. */
export function checkShape(format: WeightFormat, k: number, n: number, kernel: string): void {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k <= 0 || n <= 0 || k % format.blockValues !== 0) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `kernel '${kernel}': weight type '${format.type}' needs rows that are whole blocks of ${format.blockValues} values; got k=${k} n=${n}`,
      { details: { kernel, type: format.type, k, n } },
    );
  }
}

/** Little-endian u16 at any byte offset. */
export function u16At(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

/** Little-endian u32 at any byte offset. */
export function u32At(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** Low nibbles of the 8 bytes of little-endian words a, b: byte i's nibble at nibble i. */
export function lowNibbles(a: number, b: number): number {
  return (squeeze4(a & 0x0f0f0f0f) | (squeeze4(b & 0x0f0f0f0f) << 16)) >>> 0;
}

/** High nibbles of the 8 bytes of little-endian words a, b: byte i's nibble at nibble i. */
export function highNibbles(a: number, b: number): number {
  return (squeeze4((a >>> 4) & 0x0f0f0f0f) | (squeeze4((b >>> 4) & 0x0f0f0f0f) << 16)) >>> 0;
}

/** Four nibbles sitting in the low halves of four bytes → 16 contiguous bits. */
function squeeze4(x: number): number {
  const y = (x | (x >>> 4)) & 0x00ff00ff;
  return (y | (y >>> 8)) & 0xffff;
}

/** Copies n rows of `rowBytes` bytes into rows of `paddedBytes` (zero tail), as u32 words. */
export function padRows(raw: Uint8Array, n: number, rowBytes: number, paddedBytes: number): Uint32Array {
  const out = new Uint8Array(n * paddedBytes);
  if (rowBytes === paddedBytes) out.set(raw.subarray(0, n * rowBytes));
  else for (let r = 0; r < n; r++) out.set(raw.subarray(r * rowBytes, (r + 1) * rowBytes), r * paddedBytes);
  return new Uint32Array(out.buffer);
}

/** A float format: rows copied as they are, zero-padded to a multiple of 8 values; no scales. */
export function floatFormat(type: WeightType, ggmlType: number, bytes: number, decoder: string): WeightFormat {
  const format: WeightFormat = {
    type,
    ggmlType,
    blockValues: 1,
    blockBytes: bytes,
    decoder: decoderPart(decoder),
    words: (k, n) => ({ q: (n * Math.ceil(k / 8) * 8 * bytes) / 4, s: 0 }),
    repack(raw, k, n) {
      checkRaw(format, raw, k, n);
      const k8 = Math.ceil(k / 8);
      return { type, k, n, k8, q: padRows(raw, n, k * bytes, k8 * 8 * bytes) };
    },
  };
  return format;
}
