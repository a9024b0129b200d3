/**
 * Tiny synthetic model specs shared by the synthetic*.test.ts files: for each
 * architecture and weight type, the smallest dims the type's block allows,
 * odd where the format permits (vocab 301, float rows of 40), and between
 * them grouped KV, an explicit head dim, rope scaling and a tied output.
 */
import type { SyntheticArch, SyntheticDims, SyntheticSpec, SyntheticType } from '@webseek/formats';

export const TYPES: readonly SyntheticType[] = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_k', 'q6_k', 'q4_k_m'];
export const ARCHS: readonly SyntheticArch[] = ['qwen2', 'llama'];

const base = { vocab: 301, ctxTrain: 512, eps: 1e-6, tiedOutput: false };

/** Dims for `type`'s block size: 1 (floats), 32 (q8_0/q4_0) or 256 (k-quants). */
export function tinyDims(arch: SyntheticArch, type: SyntheticType): SyntheticDims {
  const qkvBias = arch === 'qwen2';
  const ropeTheta = arch === 'llama' ? 500000 : 10000;
  if (type === 'f32' || type === 'f16' || type === 'bf16') {
    // llama: head dim 16 × 5 heads = 80 ≠ nEmbd 40 (written as key_length/value_length).
    const heads = arch === 'llama' ? { nHead: 5, nKvHead: 1, headDim: 16 } : { nHead: 5, nKvHead: 1 };
    return { ...base, nEmbd: 40, nFf: 72, nLayer: 2, ...heads, ropeTheta, qkvBias };
  }
  if (type === 'q8_0' || type === 'q4_0') {
    // qwen2 ties output to the embedding here.
    return {
      ...base,
      nEmbd: 96,
      nFf: 160,
      nLayer: 2,
      nHead: 3,
      nKvHead: 1,
      ropeTheta,
      qkvBias,
      tiedOutput: arch === 'qwen2',
    };
  }
  const ropeScaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 };
  return {
    ...base,
    nEmbd: 256,
    nFf: 512,
    nLayer: 3,
    nHead: 4,
    nKvHead: 2,
    ropeTheta,
    qkvBias,
    ...(arch === 'llama' ? { ropeScaling } : {}),
  };
}

export function tinySpec(arch: SyntheticArch, type: SyntheticType, seed = 1): SyntheticSpec {
  return { arch, shape: tinyDims(arch, type), type, seed, vocabulary: 'tiny', chatTemplate: 'tiny {{ messages }}' };
}
