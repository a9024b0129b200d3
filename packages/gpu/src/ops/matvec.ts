import { RuntimeError } from '@webseek/api';
import {
  checkShape,
  MATVEC_DEFAULTS,
  MATVEC_MAX_ROWS,
  type MatVecKey,
  matVecKernel,
  matVecWorkgroupSize,
  matVecWorkgroups,
  type Precision,
  weightFormat,
} from '@webseek/kernels';
import type { GpuContext } from '../context.ts';
import { type Binding, type Dispatch, grid, prepareDispatch, requireBytes, uniformBuffer } from '../dispatch.ts';
import type { GpuWeights } from '../weights.ts';
import { requireOutputs, type SplitOutputs, splitBindings, splitOf } from './split.ts';

export interface MatVecArgs {
  /** (N, K) weights in their type's GPU layout (uploadWeights). */
  w: GpuWeights;
  /** (K) f32; with xSwiglu, (2K) f32: one token's [gate | up]. */
  x: Binding;
  /** The product's input is silu(gate) * up of x = [gate | up] (the down projection without a SwiGLU launch). */
  xSwiglu?: boolean;
  /** The product's input is rmsnorm(x) with this (K) f32 weight (the projection after a norm, without its launch). */
  xNorm?: { weight: Binding; eps: number };
  /** (N) f32; read too when `accumulate`. */
  y: Binding;
  /** (N) f32: y = Wx + bias (qwen2's q/k/v projections). */
  bias?: Binding;
  /** y += Wx (fuses the residual add). */
  accumulate?: boolean;
  /** A stacked projection's columns split over y, y1, y2 (one launch for q, k and v, or q and k). */
  split?: SplitOutputs;
  /** Defaults to the device's capability. */
  subgroups?: boolean;
  /** Weight arithmetic; defaults to f32. f16 needs shader-f16. */
  precision?: Precision;
  /** Rows per team (1..8): a tuning knob; default 4, 8 on a software (CPU) adapter. */
  rows?: number;
}

/** y = W·x (+ bias) (or y += W·x) for one token: W is (N, K), any weight type. */
export async function matVec(ctx: GpuContext, a: MatVecArgs): Promise<Dispatch> {
  const subgroups = a.subgroups ?? ctx.caps.subgroups;
  const precision = a.precision ?? 'f32';
  requireWeights(ctx, 'matvec', a.w, precision, subgroups);
  const sgMax = ctx.caps.subgroupMaxSize;
  const key: MatVecKey = {
    type: a.w.type,
    precision,
    subgroups,
    bias: a.bias !== undefined,
    accumulate: a.accumulate ?? false,
    ...(a.split ? { split: splitOf(`matvec_${a.w.type}`, a.w.n, a.split, a.accumulate) } : {}),
    workgroupSize: matVecWorkgroupSize(subgroups, sgMax),
    xVec4: a.w.k % 8 === 0,
    xSwiglu: a.xSwiglu ?? false,
    ...(a.xNorm ? { xNorm: { eps: a.xNorm.eps } } : {}),
    rows: a.rows ?? (ctx.adapterInfo.isSoftware ? MATVEC_DEFAULTS.softwareRows : MATVEC_DEFAULTS.rows),
  };
  requireRows(`matvec_${a.w.type}`, key.rows);
  const source = matVecKernel(key);
  const { k, n, k8 } = a.w;
  for (const [name, on] of [
    ['xSwiglu', a.xSwiglu],
    ['xNorm', a.xNorm],
  ] as const) {
    if (on && k % 8 !== 0) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        `kernel '${source.label}': ${name} needs K a multiple of 8, got ${k}`,
        {
          details: { kernel: source.label, parameter: name, k },
        },
      );
    }
  }
  if (a.xSwiglu && a.xNorm) {
    throw new RuntimeError('INVALID_ARGUMENT', `kernel '${source.label}': xSwiglu and xNorm cannot be combined`, {
      details: { kernel: source.label, parameter: 'xNorm' },
    });
  }
  if (a.xNorm) requireBytes(source.label, 'xNorm.weight', a.xNorm.weight, k * 4);
  requireBytes(source.label, 'x', a.x, (a.xSwiglu ? 2 : 1) * k * 4);
  requireOutputs(source.label, a.y, 1, n, a.split);
  if (a.bias) requireBytes(source.label, 'bias', a.bias, n * 4);
  const params = uniformBuffer(ctx, `${source.label}_params`, [n, k, k8]);
  const workgroups = grid(ctx, matVecWorkgroups(n, key, sgMax));
  const split = await splitBindings(ctx, source.label, a.split);
  const bindings = [a.w.q, a.w.s, a.x, a.y, params, a.bias, split.y1, split.y2, undefined, a.xNorm?.weight];
  return prepareDispatch(ctx, source, bindings, workgroups, [params, ...split.owned]);
}

/**
 * Checks that a kernel can read `w` on this device: a known type, rows of whole
 * blocks, buffers as large as the layout says, and the requested variant's
 * features. Errors name the kernel, the weights, their type and shape.
 */
export function requireWeights(
  ctx: GpuContext,
  kernel: string,
  w: GpuWeights,
  precision: Precision = 'f32',
  subgroups = false,
): void {
  const what = `weights '${w.label}' (${w.type}, k=${w.k} n=${w.n})`;
  let format: ReturnType<typeof weightFormat>;
  try {
    format = weightFormat(w.type, kernel);
  } catch (error) {
    throw new RuntimeError('UNSUPPORTED_QUANT', `kernel '${kernel}': ${what}: ${(error as Error).message}`, {
      cause: error,
      details: { kernel, type: w.type, k: w.k, n: w.n },
    });
  }
  checkShape(format, w.k, w.n, kernel);
  if (w.k8 !== Math.ceil(w.k / 8)) {
    throw new RuntimeError('INVALID_ARGUMENT', `kernel '${kernel}': ${what} has k8=${w.k8}, want ceil(k/8)`, {
      details: { kernel, type: w.type, k: w.k, n: w.n, k8: w.k8 },
    });
  }
  const words = format.words(w.k, w.n);
  requireBytes(kernel, `${w.label}.q`, w.q, words.q * 4);
  if (words.s > 0) {
    if (!w.s) {
      throw new RuntimeError('INVALID_ARGUMENT', `kernel '${kernel}': ${what} has no scale buffer`, {
        details: { kernel, type: w.type, k: w.k, n: w.n },
      });
    }
    requireBytes(kernel, `${w.label}.s`, w.s, words.s * 4);
  }
  requireFeatures(ctx, kernel, precision, subgroups);
}

function requireFeatures(ctx: GpuContext, kernel: string, precision: Precision, subgroups: boolean): void {
  const missing = [
    precision === 'f16' && !ctx.caps.shaderF16 && 'shader-f16',
    subgroups && !ctx.caps.subgroups && 'subgroups',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new RuntimeError(
      'UNSUPPORTED_KERNEL',
      `kernel '${kernel}' (${precision}${subgroups ? ', subgroups' : ''}) needs ${missing.join(' and ')}, which this device lacks`,
      { details: { kernel, precision, subgroups, missing } },
    );
  }
}

function requireRows(kernel: string, rows: number | undefined): void {
  if (rows !== undefined && !(Number.isInteger(rows) && rows >= 1 && rows <= MATVEC_MAX_ROWS)) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `kernel '${kernel}': rows must be an integer in 1..${MATVEC_MAX_ROWS}, got ${rows}`,
      {
        details: { kernel, parameter: 'rows', value: rows },
      },
    );
  }
}
