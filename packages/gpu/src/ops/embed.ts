import { dequantKernel, embedKernel, type Precision } from '@webseek/kernels';
import type { GpuContext } from '../context.ts';
import {
  type Binding,
  type Dispatch,
  grid,
  prepareDispatch,
  requireBytes,
  requirePositiveInt,
  uniformBuffer,
} from '../dispatch.ts';
import type { GpuWeights } from '../weights.ts';
import { requireWeights } from './matvec.ts';

export interface EmbedRowsArgs {
  /** (N, K) embedding matrix, any weight type. */
  w: GpuWeights;
  /** (count) u32 token ids; an id >= N gives a row of zeros. */
  ids: Binding;
  /** (count, K) f32 */
  y: Binding;
  count: number;
}

/** y[t, :] = W[ids[t], :] as f32, for t < count. */
export async function embedRows(ctx: GpuContext, a: EmbedRowsArgs): Promise<Dispatch> {
  requireWeights(ctx, 'embed', a.w);
  const source = embedKernel({ type: a.w.type });
  requirePositiveInt(source.label, 'count', a.count);
  requireBytes(source.label, 'ids', a.ids, a.count * 4);
  requireBytes(source.label, 'y', a.y, a.count * a.w.k * 4);
  const params = uniformBuffer(ctx, `${source.label}_params`, [a.count, a.w.n, a.w.k, a.w.k8]);
  return prepareDispatch(ctx, source, [a.w.q, a.w.s, a.ids, a.y, params], grid(ctx, a.count), [params]);
}

export interface DequantWeightsArgs {
  /** (N, K) weights, any type. */
  w: GpuWeights;
  /** (N, K) f32 */
  y: Binding;
  /** Decoder arithmetic; defaults to f32. f16 needs shader-f16. */
  precision?: Precision;
}

/** y = W as f32: every value through its type's decoder (tests, debugging). */
export async function dequantWeights(ctx: GpuContext, a: DequantWeightsArgs): Promise<Dispatch> {
  const precision = a.precision ?? 'f32';
  requireWeights(ctx, 'dequant', a.w, precision);
  const source = dequantKernel({ type: a.w.type, precision });
  requireBytes(source.label, 'y', a.y, a.w.n * a.w.k * 4);
  const params = uniformBuffer(ctx, `${source.label}_params`, [a.w.n, a.w.k, a.w.k8]);
  const groups = Math.ceil((a.w.n * a.w.k8) / 64);
  return prepareDispatch(ctx, source, [a.w.q, a.w.s, a.y, params], grid(ctx, groups), [params]);
}
