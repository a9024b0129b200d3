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

/** One GGUF matrix to upload: n rows of k values of a ggml type. */
export interface GgufMatrix {
  label: string;
  ggmlType: number;
  k: number;
  n: number;
  readRows: ReadRows;
}

/**
 * Uploads a GGUF weight matrix (n rows of k values, ggml type id) in chunks of
 * about `chunkBytes` of GGUF data: each chunk is read, repacked and written at
 * its offset, so JS never holds more than one chunk of a tensor.
 */
export function uploadGgufWeights(
  ctx: GpuContext,
  label: string,
  ggmlType: number,
  k: number,
  n: number,
  readRows: ReadRows,
  chunkBytes = 32 * 2 ** 20,
): Promise<GpuWeights> {
  return uploadGgufStack(ctx, label, [{ label, ggmlType, k, n, readRows }], chunkBytes);
}

/**
 * Whether matrices can share one stacked upload on this device: one type, one
 * row length, even row counts (every layout then starts each part on a whole
 * word: two-per-word scales and f16 pairs never straddle a seam), and the
 * stacked buffers within one storage binding.
 */
export function canStack(ctx: GpuContext, parts: readonly Pick<GgufMatrix, 'ggmlType' | 'k' | 'n'>[]): boolean {
  if (!sameLayout(parts)) return false;
  const { k, ggmlType } = parts[0]!;
  const words = weightFormatOfGgml(ggmlType)!.words(
    k,
    parts.reduce((n, p) => n + p.n, 0),
  );
  const limit = Math.min(ctx.caps.maxStorageBufferBindingSize, ctx.caps.maxBufferSize);
  return Math.max(words.q, words.s) * 4 <= limit;
}

function sameLayout(parts: readonly Pick<GgufMatrix, 'ggmlType' | 'k' | 'n'>[]): boolean {
  const [first] = parts;
  return (
    first !== undefined &&
    weightFormatOfGgml(first.ggmlType) !== undefined &&
    parts.every((p) => p.ggmlType === first.ggmlType && p.k === first.k && p.n % 2 === 0)
  );
}

/**
 * Uploads matrices stacked row-wise into one (q, k, v → rows [q | k | v]),
 * so one launch projects them all. A single matrix is the plain upload.
 */
export async function uploadGgufStack(
  ctx: GpuContext,
  label: string,
  parts: readonly GgufMatrix[],
  chunkBytes = 32 * 2 ** 20,
): Promise<GpuWeights> {
  const [first] = parts;
  if (!first) throw new RuntimeError('INVALID_ARGUMENT', `weights '${label}': nothing to upload`);
  const format = weightFormatOfGgml(first.ggmlType);
  if (!format) {
    throw new RuntimeError(
      'UNSUPPORTED_QUANT',
      `tensor '${first.label}' has ggml type ${first.ggmlType}, which webseek cannot run; supported: ${supportedWeightTypes().join(', ')}`,
      { details: { tensor: first.label, ggmlType: first.ggmlType } },
    );
  }
  if (parts.length > 1 && !sameLayout(parts)) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `weights '${label}': ${parts.map((p) => `${p.label} (type ${p.ggmlType}, ${p.n}×${p.k})`).join(', ')} cannot be stacked: they need one type, one row length and even row counts`,
      { details: { weights: label, parts: parts.map((p) => p.label) } },
    );
  }
  const { k } = first;
  const n = parts.reduce((sum, p) => sum + p.n, 0);
  checkShape(format, k, n, label);
  const words = format.words(k, n);
  // Made while the first rows are read and repacked: creating a buffer waits on its error scope,
  // a round trip to the device that would otherwise stall every tensor of the load.
  const creating = [
    ctx.createBuffer(`${label}.q`, words.q * 4, Usage.STORAGE | Usage.COPY_DST),
    words.s ? ctx.createBuffer(`${label}.s`, words.s * 4, Usage.STORAGE | Usage.COPY_DST) : undefined,
  ] as const;
  const made = Promise.all(creating);
  made.catch(() => {});
  const rowBytes = ggufBytes(format, k, 1);
  // Even row counts keep two-per-word scale packing (q4_0, q8_0) aligned at chunk starts.
  const rowsPerChunk = Math.max(2, 2 * Math.floor(chunkBytes / rowBytes / 2));
  try {
    let base = 0;
    for (const part of parts) {
      for (let row0 = 0; row0 < part.n; row0 += rowsPerChunk) {
        const rows = Math.min(rowsPerChunk, part.n - row0);
        const packed = format.repack(await part.readRows(row0, rows), k, rows);
        const [q, s] = await made;
        const at = format.words(k, base + row0);
        ctx.write(q, packed.q, at.q * 4);
        if (s && packed.s) ctx.write(s, packed.s, at.s * 4);
      }
      base += part.n;
    }
  } catch (error) {
    // A failed read (truncated file, lost cache chunk) or buffer leaves nothing on the device.
    for (const b of creating) (await b?.catch(() => undefined))?.destroy();
    throw error;
  }
  const [q, s] = await made;
  const bytes = words.q * 4 + words.s * 4;
  return { type: format.type, label, k, n, k8: Math.ceil(k / 8), q, ...(s ? { s } : {}), bytes };
}
