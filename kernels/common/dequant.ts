import { composeWgsl, type KernelSource, type Precision, variantLabel } from '../compose.ts';
import dequant from './dequant.wgsl?raw';
import dequant32 from './dequant32.wgsl?raw';
import { type WeightType, weightFormat } from './weights.ts';

export interface DequantKey {
  type: WeightType;
  /** Arithmetic of the decoder (f16 only with shader-f16); the output is f32 either way. */
  precision?: Precision;
  /** Threads per workgroup. */
  workgroupSize?: number;
  /** Read through w_quant32 (the matvec path), one thread per 4 chunks, instead of w_decode8. */
  wide?: boolean;
}

/**
 * Writes every value of a weight matrix as f32, through the type's w_decode8 (or w_quant32).
 * Bindings: 0 w_q, 1 w_s (decoder's), 2 y (N, K) f32, 3 uniform {n, k, k8}.
 * Dispatch: ceil(dequantThreads(key, n, k8) / workgroupSize) workgroups (spread over x and y).
 */
export function dequantKernel({ type, precision = 'f32', workgroupSize = 64, wide = false }: DequantKey): KernelSource {
  const decoder = weightFormat(type, 'dequant').decoder;
  return {
    label: variantLabel(wide ? 'dequant32' : 'dequant', type, precision),
    code: composeWgsl({ precision, parts: [decoder, wide ? dequant32 : dequant] }),
    constants: { WG: workgroupSize },
  };
}

/** Threads the dequant kernel needs for n rows of k8 chunks: one per chunk, or per 4 chunks when wide. */
export function dequantThreads(key: Pick<DequantKey, 'wide'>, n: number, k8: number): number {
  return n * (key.wide ? Math.ceil(k8 / 4) : k8);
}
