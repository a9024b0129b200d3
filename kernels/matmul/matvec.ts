import { type WeightType, weightFormat } from '../common/weights.ts';
import { composeWgsl, type KernelSource, type Precision, variantLabel } from '../compose.ts';
import { SILU_PART } from '../elementwise/elementwise.ts';
import { epilogueOf, epiloguePart, type Split, splitConstants } from './matmul.ts';
import matvec from './matvec.wgsl?raw';
import reducePlain from './matvec_reduce_plain.wgsl?raw';
import reduceSubgroup from './matvec_reduce_sg.wgsl?raw';
import xNorm from './matvec_x_norm.wgsl?raw';
import xScalar from './matvec_x_scalar.wgsl?raw';
import xSwiglu from './matvec_x_swiglu.wgsl?raw';
import xVec4 from './matvec_x_vec4.wgsl?raw';

export interface MatVecKey {
  type: WeightType;
  /** Weight arithmetic: f16 only on devices with shader-f16; accumulation is f32 either way. */
  precision: Precision;
  subgroups: boolean;
  /** y = Wx + bias[n]. */
  bias?: boolean;
  /** y += Wx (fuses the residual add). */
  accumulate?: boolean;
  /** Columns split over y, y1, y2 (a stacked projection); not with accumulate. */
  split?: Split;
  /** Threads per workgroup (power of two, ≥ the device's largest subgroup). */
  workgroupSize?: number;
  /** Rows per team (1..8): per workgroup (plain) or per subgroup (subgroups). */
  rows?: number;
  /** Read x as vec4: needs K % 8 == 0 (every model's K); false reads it value by value. */
  xVec4?: boolean;
  /** x is one token's [gate | up] (2K) and the product uses silu(gate) * up: needs K % 8 == 0. */
  xSwiglu?: boolean;
  /** The product uses rmsnorm(x) (weight at binding 9, eps as given): needs K % 8 == 0. */
  xNorm?: { eps: number };
}

/**
 * rows: per team on GPUs; softwareRows: on CPU drivers (SwiftShader), where each x value a
 * thread loads is a per-lane gather, so sharing it over 8 rows ran 13-25% faster than 4.
 */
export const MATVEC_DEFAULTS = { workgroupSize: 64, rows: 4, softwareRows: 8 } as const;
/** Most rows per team: matvec.wgsl keeps rows 0-3 and 4-7 in two vec4 partial sums. */
export const MATVEC_MAX_ROWS = 8;

/**
 * Bindings: 0 w_q, 1 w_s (decoder's), 2 x (K) f32, 3 y (N) f32, 4 uniform
 * {n, k, k8}, 5 bias (N) f32 (bias epilogues only), 6 y1 and 7 y2 (split only),
 * 9 RMSNorm weight (K) f32 (xNorm only).
 * Dispatch: `matVecWorkgroups` workgroups (spread over x and y).
 */
export function matVecKernel(key: MatVecKey): KernelSource {
  const { type, precision, subgroups, xVec4: vec4 = false, xSwiglu: swiglu = false, xNorm: norm } = key;
  const { workgroupSize = MATVEC_DEFAULTS.workgroupSize, rows = MATVEC_DEFAULTS.rows } = key;
  const format = weightFormat(type, 'matvec');
  const epilogue = epilogueOf({ ...key, split: key.split !== undefined });
  // Block types have K a multiple of 32: rows are whole 4-chunk groups, read a block at a time.
  const groups = format.blockValues >= 32;
  return {
    label: variantLabel(
      'matvec',
      type,
      precision,
      subgroups && 'sg',
      epilogue !== 'none' && epilogue,
      swiglu ? 'xswiglu' : norm ? 'xnorm' : vec4 ? 'x4' : 'x1',
      rows !== MATVEC_DEFAULTS.rows && `r${rows}`,
    ),
    code: composeWgsl({
      precision,
      subgroups,
      parts: [
        `const ROWS: u32 = ${rows}u;\nconst GROUPS: bool = ${groups};`,
        format.decoder,
        ...(swiglu ? [SILU_PART, xSwiglu] : [norm ? xNorm : vec4 ? xVec4 : xScalar]),
        epiloguePart(epilogue),
        matvec,
        subgroups ? reduceSubgroup : reducePlain,
      ],
    }),
    constants: { WG: workgroupSize, ...splitConstants(key.split), ...(norm ? { NORM_EPS: norm.eps } : {}) },
  };
}

/**
 * Workgroups for N rows: one per team of `rows` rows. A plain team is a
 * workgroup; a subgroup team is one subgroup, and a workgroup holds at least
 * workgroupSize / subgroupMaxSize of them (0 = unknown: assume one).
 */
export function matVecWorkgroups(n: number, key: MatVecKey, subgroupMaxSize: number): number {
  const { workgroupSize = MATVEC_DEFAULTS.workgroupSize, rows = MATVEC_DEFAULTS.rows } = key;
  const teams = Math.ceil(n / rows);
  if (!key.subgroups) return teams;
  const perGroup = Math.max(1, Math.floor(workgroupSize / (subgroupMaxSize || workgroupSize)));
  return Math.ceil(teams / perGroup);
}

/** Threads per workgroup: the default, raised for subgroup teams to the device's largest subgroup (128 if unknown). */
export function matVecWorkgroupSize(subgroups: boolean, subgroupMaxSize: number): number {
  if (!subgroups) return MATVEC_DEFAULTS.workgroupSize;
  return Math.max(MATVEC_DEFAULTS.workgroupSize, subgroupMaxSize || 128);
}
