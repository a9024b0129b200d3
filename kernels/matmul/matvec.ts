import { type WeightType, weightFormat } from '../common/weights.ts';
import { composeWgsl, type KernelSource, type Precision, variantLabel } from '../compose.ts';
import { epilogueOf, epiloguePart } from './matmul.ts';
import matvec from './matvec.wgsl?raw';
import reducePlain from './matvec_reduce_plain.wgsl?raw';
import reduceSubgroup from './matvec_reduce_sg.wgsl?raw';

export interface MatVecKey {
  type: WeightType;
  /** Weight arithmetic: f16 only on devices with shader-f16; accumulation is f32 either way. */
  precision: Precision;
  subgroups: boolean;
  /** y = Wx + bias[n]. */
  bias?: boolean;
  /** y += Wx (fuses the residual add). */
  accumulate?: boolean;
  /** Threads per workgroup (power of two, ≥ the device's largest subgroup). */
  workgroupSize?: number;
  /** Rows per team (1..8): per workgroup (plain) or per subgroup (subgroups). */
  rows?: number;
}

export const MATVEC_DEFAULTS = { workgroupSize: 64, rows: 4 } as const;
/** MAX_ROWS in matvec.wgsl: the size of each thread's private partial sums. */
export const MATVEC_MAX_ROWS = 8;

/**
 * Bindings: 0 w_q, 1 w_s (decoder's), 2 x (K) f32, 3 y (N) f32, 4 uniform
 * {n, k, k8}, 5 bias (N) f32 (bias epilogues only).
 * Dispatch: `matVecWorkgroups` workgroups (spread over x and y).
 */
export function matVecKernel(key: MatVecKey): KernelSource {
  const { type, precision, subgroups } = key;
  const { workgroupSize = MATVEC_DEFAULTS.workgroupSize, rows = MATVEC_DEFAULTS.rows } = key;
  const decoder = weightFormat(type, 'matvec').decoder;
  const epilogue = epilogueOf(key);
  return {
    label: variantLabel('matvec', type, precision, subgroups && 'sg', epilogue !== 'none' && epilogue),
    code: composeWgsl({
      precision,
      subgroups,
      parts: [decoder, epiloguePart(epilogue), matvec, subgroups ? reduceSubgroup : reducePlain],
    }),
    constants: { WG: workgroupSize, ROWS: rows },
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
