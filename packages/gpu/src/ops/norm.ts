import { rmsNormKernel } from '@webseek/kernels';
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

export interface RmsNormArgs {
  /** (rows, dim) f32 */
  x: Binding;
  /** (dim) f32 */
  weight: Binding;
  /** (rows, dim) f32 */
  y: Binding;
  rows: number;
  dim: number;
  eps: number;
  /** Defaults to the device's capability. */
  subgroups?: boolean;
}

export async function rmsNorm(ctx: GpuContext, a: RmsNormArgs): Promise<Dispatch> {
  const source = rmsNormKernel({ subgroups: a.subgroups ?? ctx.caps.subgroups });
  requirePositiveInt(source.label, 'rows', a.rows);
  requirePositiveInt(source.label, 'dim', a.dim);
  requireBytes(source.label, 'x', a.x, a.rows * a.dim * 4);
  requireBytes(source.label, 'weight', a.weight, a.dim * 4);
  requireBytes(source.label, 'y', a.y, a.rows * a.dim * 4);
  const params = uniformBuffer(ctx, `${source.label}_params`, [a.rows, a.dim, { f32: a.eps }]);
  return prepareDispatch(ctx, source, [a.x, a.weight, a.y, params], grid(ctx, a.rows), [params]);
}
