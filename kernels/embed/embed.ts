import { type WeightType, weightFormat } from '../common/weights.ts';
import { composeWgsl, type KernelSource, variantLabel } from '../compose.ts';
import embed from './embed.wgsl?raw';

export interface EmbedKey {
  type: WeightType;
  /** Threads per workgroup. */
  workgroupSize?: number;
}

/**
 * Gathers token rows of an embedding matrix as f32 (f32 decoder arithmetic: the
 * rows are read once, so f16 would only lose precision).
 * Bindings: 0 w_q, 1 w_s (decoder's), 2 ids (count) u32, 3 y (count, K) f32,
 * 4 uniform {count, n, k, k8}. Dispatch: one workgroup per token (spread over x and y).
 * Ids >= N give rows of zeros.
 */
export function embedKernel({ type, workgroupSize = 64 }: EmbedKey): KernelSource {
  const decoder = weightFormat(type, 'embed').decoder;
  return {
    label: variantLabel('embed', type, 'f32'),
    code: composeWgsl({ parts: [decoder, embed] }),
    constants: { WG: workgroupSize },
  };
}
