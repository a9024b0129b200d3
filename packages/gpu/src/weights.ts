import { RuntimeError } from '@webseek/api';
import {
  checkShape,
  ggufBytes,
  type RepackedWeights,
  supportedWeightTypes,
  type WeightType,
  weightFormatOfGgml,
} from '@webseek/kernels';
import { type GpuContext, Usage } from './context.ts';

/** A weight matrix on the device, in the layout its type's decoder reads. */
export interface GpuWeights {
  type: WeightType;
  label: string;
  k: number;
  n: number;
  k8: number;
  /** Quant words (decoder @binding(0)). */
  q: GPUBuffer;
  /** Scale words (decoder @binding(1)); absent for float types. */
  s?: GPUBuffer;
  bytes: number;
}

export async function uploadWeights(ctx: GpuContext, label: string, w: RepackedWeights): Promise<GpuWeights> {
  const q = await ctx.upload(`${label}.q`, w.q, Usage.STORAGE);
  const s = w.s ? await ctx.upload(`${label}.s`, w.s, Usage.STORAGE) : undefined;
  const bytes = w.q.byteLength + (w.s?.byteLength ?? 0);
  return { type: w.type, label, k: w.k, n: w.n, k8: w.k8, q, ...(s ? { s } : {}), bytes };
}

export function disposeWeights(w: GpuWeights): void {
  w.q.destroy();
  w.s?.destroy();
}

/** Reads `rows` rows of a tensor's GGUF bytes starting at row `row0`. */
export type ReadRows = (row0: number, rows: number) => Promise<Uint8Array>;

/**
 * Uploads a GGUF weight matrix (n rows of k values, ggml type id) in chunks of
 * about `chunkBytes` of GGUF data: each chunk is read, repacked and written at
 * its offset, so JS never holds more than one chunk of a tensor.
 */
export async function uploadGgufWeights(
  ctx: GpuContext,
  label: string,
  ggmlType: number,
  k: number,
  n: number,
  readRows: ReadRows,
  chunkBytes = 32 * 2 ** 20,
): Promise<GpuWeights> {
  const format = weightFormatOfGgml(ggmlType);
  if (!format) {
    throw new RuntimeError(
      'UNSUPPORTED_QUANT',
      `tensor '${label}' has ggml type ${ggmlType}, which webseek cannot run; supported: ${supportedWeightTypes().join(', ')}`,
      { details: { tensor: label, ggmlType } },
    );
  }
  checkShape(format, k, n, label);
  const words = format.words(k, n);
  const q = await ctx.createBuffer(`${label}.q`, words.q * 4, Usage.STORAGE | Usage.COPY_DST);
  const s = words.s ? await ctx.createBuffer(`${label}.s`, words.s * 4, Usage.STORAGE | Usage.COPY_DST) : undefined;
  const rowBytes = ggufBytes(format, k, 1);
  // Even row counts keep two-per-word scale packing (q4_0, q8_0) aligned at chunk starts.
  const rowsPerChunk = Math.max(2, 2 * Math.floor(chunkBytes / rowBytes / 2));
  for (let row0 = 0; row0 < n; row0 += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, n - row0);
    const packed = format.repack(await readRows(row0, rows), k, rows);
    const at = format.words(k, row0);
    ctx.write(q, packed.q, at.q * 4);
    if (s && packed.s) ctx.write(s, packed.s, at.s * 4);
  }
  const bytes = words.q * 4 + words.s * 4;
  return { type: format.type, label, k, n, k8: Math.ceil(k / 8), q, ...(s ? { s } : {}), bytes };
}
