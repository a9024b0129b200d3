import type { RepackedWeights, WeightType } from '@webseek/kernels';
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
