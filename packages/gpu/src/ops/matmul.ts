import { RuntimeError } from '@webseek/api';
import {
  checkShape,
  epilogueOf,
  type MatMulTile,
  matMulKernel,
  matMulSharedBytes,
  matMulTile,
  type Precision,
  supportedWeightTypes,
  weightFormat,
} from '@webseek/kernels';
import type { GpuContext } from '../context.ts';
import {
  type Binding,
  type Dispatch,
  prepareDispatch,
  requireBytes,
  requirePositiveInt,
  uniformBuffer,
} from '../dispatch.ts';
import type { GpuWeights } from '../weights.ts';
import { requireOutputs, type SplitOutputs, splitBindings, splitOf } from './split.ts';

export interface MatMulArgs {
  /** (N, K) in its type's GPU layout. */
  w: GpuWeights;
  /** (M, K) f32 */
  x: Binding;
  /** (M, N) f32; read too when `accumulate`. Must not overlap x. */
  y: Binding;
  /** Rows of X (tokens in the prefill chunk). */
  m: number;
  /** (N) f32, added to every row. */
  bias?: Binding;
  /** y += X·Wᵀ instead of y = X·Wᵀ (fuses a residual add). */
  accumulate?: boolean;
  /** A stacked projection's columns split over y, y1, y2 (one launch for q, k and v, or q and k). */
  split?: SplitOutputs;
  /** Weight arithmetic; 'f16' needs shader-f16. Defaults to f32. */
  precision?: Precision;
  /** Workgroup tile; defaults to `matMulTile(m)`. */
  tile?: MatMulTile;
}

/** Y[m, n] = Σ_k X[m, k] · W[n, k] (+ bias[n]) (+ Y[m, n]): the prefill projection for any weight type. */
export async function matMul(ctx: GpuContext, a: MatMulArgs): Promise<Dispatch> {
  const { w, m } = a;
  const precision = a.precision ?? 'f32';
  const tile = a.tile ?? matMulTile(m);
  requireDecoder(w);
  const source = matMulKernel({
    type: w.type,
    precision,
    epilogue: epilogueOf({ bias: a.bias !== undefined, accumulate: a.accumulate, split: a.split !== undefined }),
    xVec4: w.k % 4 === 0,
    tile,
    ...(a.split ? { split: splitOf(`matmul_${w.type}`, w.n, a.split, a.accumulate) } : {}),
  });
  requirePositiveInt(source.label, 'm', m);
  requireWeightShape(source.label, w);
  requireTileFits(ctx, source.label, tile, precision, m, w.n);
  requireBytes(source.label, 'x', a.x, m * w.k * 4);
  requireOutputs(source.label, a.y, m, w.n, a.split);
  if (a.bias) requireBytes(source.label, 'bias', a.bias, w.n * 4);
  const params = uniformBuffer(ctx, `${source.label}_params`, [m, w.n, w.k, w.k8]);
  const workgroups = [Math.ceil(m / tile.bm), Math.ceil(w.n / tile.bn), 1] as const;
  const split = await splitBindings(ctx, source.label, a.split);
  const bindings = [w.q, w.s, a.x, a.y, params, a.bias, split.y1, split.y2];
  return prepareDispatch(ctx, source, bindings, workgroups, [params, ...split.owned]);
}

/** Floating-point operations of one (M, K) × (K, N) product: a multiply and an add per term. */
export function matMulFlops(m: number, k: number, n: number): number {
  return 2 * m * k * n;
}

function requireDecoder(w: GpuWeights): void {
  if (supportedWeightTypes().includes(w.type)) return;
  throw new RuntimeError(
    'UNSUPPORTED_QUANT',
    `kernel 'matmul' has no decoder for weight type '${w.type}' (weights '${w.label}', ${w.n}×${w.k}); supported: ${supportedWeightTypes().join(', ')}`,
    { details: { kernel: 'matmul', type: w.type, n: w.n, k: w.k } },
  );
}

/** Shape, k8 and buffer sizes of the weights against their format (the decoder reads nothing past them). */
function requireWeightShape(kernel: string, w: GpuWeights): void {
  const format = weightFormat(w.type, kernel);
  checkShape(format, w.k, w.n, kernel);
  if (w.k8 !== Math.ceil(w.k / 8)) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `kernel '${kernel}': weights '${w.label}' have k8=${w.k8}, need ceil(k / 8) = ${Math.ceil(w.k / 8)}`,
      { details: { kernel, type: w.type, n: w.n, k: w.k, k8: w.k8 } },
    );
  }
  const words = format.words(w.k, w.n);
  requireBytes(kernel, `${w.label}.q`, w.q, words.q * 4);
  if (words.s > 0) {
    if (!w.s) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        `kernel '${kernel}': weights '${w.label}' of type '${w.type}' have no scales buffer`,
        { details: { kernel, type: w.type, n: w.n, k: w.k } },
      );
    }
    requireBytes(kernel, `${w.label}.s`, w.s, words.s * 4);
  }
}

/** Tile, precision and grid against the device's limits: UNSUPPORTED_KERNEL listing every problem. */
function requireTileFits(
  ctx: GpuContext,
  kernel: string,
  tile: MatMulTile,
  precision: Precision,
  m: number,
  n: number,
): void {
  const problems: string[] = [];
  if (precision === 'f16' && !ctx.caps.shaderF16) problems.push('f16 arithmetic needs shader-f16');
  if (![tile.bm, tile.bn].every((v) => Number.isInteger(v) && v > 0 && v % 4 === 0))
    problems.push('bm and bn must be positive multiples of 4');
  if (!Number.isInteger(tile.bk8) || tile.bk8 <= 0) problems.push('bk8 must be a positive integer');
  const threads = (tile.bm / 4) * (tile.bn / 4);
  if (threads > ctx.caps.maxComputeInvocationsPerWorkgroup)
    problems.push(`${threads} threads per workgroup is too many`);
  const shared = matMulSharedBytes(tile, precision);
  if (shared > ctx.caps.maxComputeWorkgroupStorageSize)
    problems.push(`${shared} bytes of workgroup memory is too much`);
  const grid = Math.max(Math.ceil(m / tile.bm), Math.ceil(n / tile.bn));
  if (grid > ctx.caps.maxComputeWorkgroupsPerDimension)
    problems.push(`${grid} workgroups along one dimension is too many`);
  if (problems.length === 0) return;
  throw new RuntimeError(
    'UNSUPPORTED_KERNEL',
    `kernel '${kernel}' (tile ${tile.bm}×${tile.bn}×${tile.bk8 * 8}, m=${m} n=${n}) cannot run on this device: ${problems.join('; ')}`,
    { details: { kernel, tile, precision, m, n, problems } },
  );
}
