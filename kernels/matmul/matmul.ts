import { type WeightType, weightFormat } from '../common/weights.ts';
import { composeWgsl, type KernelSource, type Precision, variantLabel } from '../compose.ts';
import epilogueAccumulate from './epilogue_accumulate.wgsl?raw';
import epilogueBias from './epilogue_bias.wgsl?raw';
import epilogueBiasAccumulate from './epilogue_bias_accumulate.wgsl?raw';
import epilogueNone from './epilogue_none.wgsl?raw';
import epilogueSplit from './epilogue_split.wgsl?raw';
import epilogueSplitBias from './epilogue_split_bias.wgsl?raw';
import epilogueSplitNone from './epilogue_split_none.wgsl?raw';
import matmul from './matmul.wgsl?raw';
import xScalar from './matmul_x_scalar.wgsl?raw';
import xVec4 from './matmul_x_vec4.wgsl?raw';

/**
 * What happens to each result before it lands in y (binding 3):
 * `none` y = r; `bias` y = r + b[n] (b at binding 5); `accumulate` y += r;
 * `bias_accumulate` y += r + b[n]; `split` and `bias_split` write columns
 * [0, a) to y, [a, b) to y1 (binding 6) and [b, N) to y2 (binding 7), with
 * the split points as override constants (`splitConstants`).
 */
export type Epilogue = 'none' | 'bias' | 'accumulate' | 'bias_accumulate' | 'split' | 'bias_split';

const EPILOGUES: Record<Epilogue, string> = {
  none: epilogueNone,
  bias: epilogueBias,
  accumulate: epilogueAccumulate,
  bias_accumulate: epilogueBiasAccumulate,
  split: `${epilogueSplit}\n${epilogueSplitNone}`,
  bias_split: `${epilogueSplit}\n${epilogueSplitBias}`,
};

/** Where a stacked projection's N columns are cut: [0, a) → y, [a, b) → y1, [b, n) → y2. */
export interface Split {
  n: number;
  a: number;
  b: number;
}

/** The override constants of the split epilogues. */
export function splitConstants(split: Split | undefined): Record<string, number> {
  return split ? { SPLIT_N: split.n, SPLIT_A: split.a, SPLIT_B: split.b } : {};
}

/**
 * The epilogue part, for any matrix kernel: declares `y` at binding 3 (and
 * `bias` at 5) and defines `fn y_store(i: u32, n: u32, v: f32)`, i = flat index
 * into y, n = output column.
 */
export function epiloguePart(epilogue: Epilogue): string {
  return EPILOGUES[epilogue];
}

export function epilogueOf(o: { bias?: boolean; accumulate?: boolean; split?: boolean }): Epilogue {
  if (o.split) return o.bias ? 'bias_split' : 'split';
  if (o.bias) return o.accumulate ? 'bias_accumulate' : 'bias';
  return o.accumulate ? 'accumulate' : 'none';
}

/** Workgroup tile: BM rows × BN columns of Y, K stepped 8·bk8 values at a time. */
export interface MatMulTile {
  /** Multiple of 4. */
  bm: number;
  /** Multiple of 4. */
  bn: number;
  bk8: number;
}

/**
 * Tile for M rows: 64 × 64, K stepped 32 at a time, once M fills it (256
 * threads, 16 KB of tiles: within WebGPU's default limits). Shorter prefill
 * chunks take shorter tiles, so fewer threads multiply padding rows: at M = 7
 * an 8-row tile ran 5.8× faster than the 64-row one here.
 */
export function matMulTile(m: number): MatMulTile {
  const bm = m <= 8 ? 8 : m <= 16 ? 16 : m <= 32 ? 32 : 64;
  return { bm, bn: 64, bk8: 4 };
}

/** Shared memory a tile needs: X tile in f32, W tile in the arithmetic precision. */
export function matMulSharedBytes(tile: MatMulTile, precision: Precision): number {
  return tile.bk8 * 8 * (tile.bm * 4 + tile.bn * (precision === 'f16' ? 2 : 4));
}

export interface MatMulKey {
  type: WeightType;
  precision: Precision;
  epilogue: Epilogue;
  /** Read X as vec4 rows: needs K % 4 == 0. */
  xVec4: boolean;
  tile: MatMulTile;
  /** Split points (split epilogues only). */
  split?: Split;
}

/**
 * Bindings: 0 w_q, 1 w_s (decoder's), 2 x (M, K) f32, 3 y (M, N) f32,
 * 4 uniform {m, n, k, k8}, 5 bias (N) f32 (bias epilogues only), 6 y1 and 7 y2
 * (split epilogues only).
 * Dispatch: (ceil(M / bm), ceil(N / bn), 1).
 */
export function matMulKernel({ type, precision, epilogue, xVec4: vec4, tile, split }: MatMulKey): KernelSource {
  const decoder = weightFormat(type, 'matmul').decoder;
  return {
    label: variantLabel('matmul', type, precision, epilogue !== 'none' && epilogue, vec4 ? 'x4' : 'x1'),
    code: composeWgsl({ precision, parts: [decoder, vec4 ? xVec4 : xScalar, epiloguePart(epilogue), matmul] }),
    constants: { BM: tile.bm, BN: tile.bn, BK8: tile.bk8, ...splitConstants(split) },
  };
}
