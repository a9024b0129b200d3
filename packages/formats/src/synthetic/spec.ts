/**
 * What a synthetic model is made from: an architecture, a shape (one of the
 * DeepSeek-R1 distills, or explicit dims), a weight type, a seed and a
 * vocabulary. Everything else — tensor list, metadata, bytes — follows from it.
 */
import { RuntimeError } from '@webseek/api';
import type { SyntheticVocabulary } from './vocab.ts';

export type SyntheticArch = 'qwen2' | 'llama';

/** Single types are "pure" (every 2-D weight in that type, as llama-quantize --pure); q4_k_m is llama.cpp's mix. */
export type SyntheticType = 'f32' | 'f16' | 'bf16' | 'q8_0' | 'q4_0' | 'q4_k' | 'q6_k' | 'q4_k_m';

export const SYNTHETIC_TYPES: readonly SyntheticType[] = [
  'f32',
  'f16',
  'bf16',
  'q8_0',
  'q4_0',
  'q4_k',
  'q6_k',
  'q4_k_m',
];

/** Llama 3.1's rope scaling, as config.json's rope_scaling spells it (rope_type "llama3"). */
export interface Llama3RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalContext: number;
}

export interface SyntheticDims {
  nEmbd: number;
  nFf: number;
  nLayer: number;
  nHead: number;
  nKvHead: number;
  /** Default nEmbd / nHead; when given it is also written as attention.key_length / value_length. */
  headDim?: number;
  vocab: number;
  ctxTrain: number;
  ropeTheta: number;
  eps: number;
  /** llama only: written as the rope_freqs.weight tensor, as llama.cpp's converter does. */
  ropeScaling?: Llama3RopeScaling;
  qkvBias: boolean;
  tiedOutput: boolean;
}

export interface SyntheticSpec {
  arch: SyntheticArch;
  /** A distill id from DISTILL_SHAPES, or explicit dims. */
  shape: DistillId | SyntheticDims;
  type: SyntheticType;
  seed: number;
  /** 'tiny': the built-in byte-level BPE; otherwise GGUF tokenizer fields (e.g. from ggufTokenizerFromHf). */
  vocabulary: 'tiny' | SyntheticVocabulary;
  /** Written as tokenizer.chat_template (e.g. @webseek/tokenizer's DEEPSEEK_R1_DISTILL_TEMPLATE). */
  chatTemplate?: string;
  /**
   * output.weight's standard deviation is outputScale / sqrt(nEmbd), so logits
   * have a standard deviation of about outputScale. Default 4: wide absolute
   * top-1 margins. (Quantization and rounding noise in logits scale with it too.)
   */
  outputScale?: number;
  /** general.name; default names the shape, type and seed. */
  name?: string;
}

/** Shapes of the six DeepSeek-R1 distills, from /work/shared/reference/deepseek-distills.json (config.json values). */
export const DISTILL_SHAPES = {
  'DeepSeek-R1-Distill-Qwen-1.5B': qwen(1536, 8960, 28, 12, 2, 151936, 10000, 1e-6),
  'DeepSeek-R1-Distill-Qwen-7B': qwen(3584, 18944, 28, 28, 4, 152064, 10000, 1e-6),
  'DeepSeek-R1-Distill-Qwen-14B': qwen(5120, 13824, 48, 40, 8, 152064, 1000000, 1e-5),
  'DeepSeek-R1-Distill-Qwen-32B': qwen(5120, 27648, 64, 40, 8, 152064, 1000000, 1e-5),
  'DeepSeek-R1-Distill-Llama-8B': llama(4096, 14336, 32, 32, 8),
  'DeepSeek-R1-Distill-Llama-70B': llama(8192, 28672, 80, 64, 8),
} as const satisfies Record<string, { arch: SyntheticArch; dims: SyntheticDims }>;

export type DistillId = keyof typeof DISTILL_SHAPES;

function qwen(
  nEmbd: number,
  nFf: number,
  nLayer: number,
  nHead: number,
  nKvHead: number,
  vocab: number,
  ropeTheta: number,
  eps: number,
) {
  const dims = { nEmbd, nFf, nLayer, nHead, nKvHead, vocab, ctxTrain: 131072, ropeTheta, eps };
  return { arch: 'qwen2', dims: { ...dims, qkvBias: true, tiedOutput: false } } as const;
}

function llama(nEmbd: number, nFf: number, nLayer: number, nHead: number, nKvHead: number) {
  const ropeScaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 };
  const dims = { nEmbd, nFf, nLayer, nHead, nKvHead, vocab: 128256, ctxTrain: 131072, ropeTheta: 500000, eps: 1e-5 };
  return { arch: 'llama', dims: { ...dims, ropeScaling, qkvBias: false, tiedOutput: false } } as const;
}

/** Dims with headDim settled; `headDimGiven` says whether the config named it (key_length is written then). */
export interface ResolvedDims extends Omit<SyntheticDims, 'headDim'> {
  headDim: number;
  headDimGiven: boolean;
}

/** The spec's dims, checked: positive integers, whole GQA groups, an even head dim, rope scaling only on llama. */
export function resolveDims(spec: SyntheticSpec): ResolvedDims {
  const dims = typeof spec.shape === 'string' ? distillDims(spec) : spec.shape;
  const headDim = dims.headDim ?? dims.nEmbd / dims.nHead;
  const resolved = { ...dims, headDim, headDimGiven: dims.headDim !== undefined };
  for (const key of ['nEmbd', 'nFf', 'nLayer', 'nHead', 'nKvHead', 'headDim', 'vocab', 'ctxTrain'] as const) {
    const v = resolved[key];
    if (!Number.isSafeInteger(v) || v < 1) bad(`${key} must be a positive integer, got ${v}`, { [key]: v });
  }
  if (dims.nHead % dims.nKvHead !== 0) bad(`nHead ${dims.nHead} is not a multiple of nKvHead ${dims.nKvHead}`, {});
  if (headDim % 2 !== 0) bad(`headDim ${headDim} must be even (rope rotates pairs)`, { headDim });
  if (!(dims.ropeTheta > 0) || !(dims.eps > 0)) bad('ropeTheta and eps must be positive', {});
  if (dims.ropeScaling && spec.arch !== 'llama') {
    bad(`rope scaling (rope_freqs.weight) is only read by llama.cpp's llama architecture, not ${spec.arch}`, {});
  }
  return resolved;
}

function distillDims(spec: SyntheticSpec): SyntheticDims {
  const id = spec.shape as string;
  const entry = (DISTILL_SHAPES as Record<string, { arch: SyntheticArch; dims: SyntheticDims }>)[id];
  if (!entry) bad(`unknown distill shape "${id}"; known: ${Object.keys(DISTILL_SHAPES).join(', ')}`, { shape: id });
  if (entry.arch !== spec.arch) bad(`shape ${id} is a ${entry.arch} model, not ${spec.arch}`, { shape: id });
  return entry.dims;
}

export function bad(message: string, details: Record<string, unknown>): never {
  throw new RuntimeError('INVALID_ARGUMENT', `synthetic model: ${message}`, { details });
}
