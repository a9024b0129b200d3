import { composeWgsl, type KernelSource, type Precision, variantLabel } from '../compose.ts';
import dequant from './dequant.wgsl?raw';
import { type WeightType, weightFormat } from './weights.ts';

export interface DequantKey {
  type: WeightType;
  /** Arithmetic of the decoder (f16 only with shader-f16); the output is f32 either way. */
  precision?: Precision;
  /** Threads per workgroup. */
  workgroupSize?: number;
}

/**
 * Writes every value of a weight matrix as f32, through the type's w_decode8.
 * Bindings: 0 w_q, 1 w_s (decoder's), 2 y (N, K) f32, 3 uniform {n, k, k8}.
 * Dispatch: ceil(N * K8 / workgroupSize) workgroups (spread over x and y).
 */
export function dequantKernel({ type, precision = 'f32', workgroupSize = 64 }: DequantKey): KernelSource {
  const decoder = weightFormat(type, 'dequant').decoder;
  return {
    label: variantLabel('dequant', type, precision),
    code: composeWgsl({ precision, parts: [decoder, dequant] }),
    constants: { WG: workgroupSize },
  };
}
