import { RuntimeError } from '@webseek/api';
import type { Gguf } from '@webseek/formats';

export const SUPPORTED_ARCHS = ['qwen2', 'llama'] as const;
export type Arch = (typeof SUPPORTED_ARCHS)[number];

/** What a model's graph needs from its GGUF metadata. */
export interface ModelConfig {
  arch: Arch;
  name: string;
  nEmbd: number;
  nFf: number;
  nLayer: number;
  nHead: number;
  nKvHead: number;
  headDim: number;
  vocab: number;
  /** Context the model was trained for (the default cap of a session's context). */
  ctxTrain: number;
  ropeBase: number;
  /** qwen2 rotates "neox" halves; llama adjacent pairs (GGUF's q/k are permuted for it). */
  ropePairing: 'halves' | 'adjacent';
  eps: number;
  /** q/k/v carry biases (qwen2). */
  qkvBias: boolean;
  /** No output.weight: logits use token_embd. */
  tiedOutput: boolean;
  /** A rope_freqs tensor holds per-dimension frequency factors (llama3 scaling). */
  ropeFreqs: boolean;
}

/** Reads and checks the config; refuses an architecture we do not run, listing those we do. */
export function configFromGguf(gguf: Gguf): ModelConfig {
  const arch = gguf.getString('general.architecture');
  if (!(SUPPORTED_ARCHS as readonly string[]).includes(arch)) {
    throw new RuntimeError(
      'UNSUPPORTED_ARCH',
      `${gguf.name}: architecture '${arch}' is not supported; supported: ${SUPPORTED_ARCHS.join(', ')}`,
      { details: { file: gguf.name, arch } },
    );
  }
  const key = (k: string) => `${arch}.${k}`;
  const nEmbd = gguf.getU32(key('embedding_length'));
  const nHead = gguf.getU32(key('attention.head_count'));
  const nKvHead = gguf.getU32(key('attention.head_count_kv'), { required: false }) ?? nHead;
  const headDim = gguf.getU32(key('attention.key_length'), { required: false }) ?? nEmbd / nHead;
  const tokens = gguf.getArray('tokenizer.ggml.tokens', { itemType: 'string' });
  const config: ModelConfig = {
    arch: arch as Arch,
    name: gguf.getString('general.name', { required: false }) ?? gguf.name,
    nEmbd,
    nFf: gguf.getU32(key('feed_forward_length')),
    nLayer: gguf.getU32(key('block_count')),
    nHead,
    nKvHead,
    headDim,
    vocab: tokens.value.length,
    ctxTrain: gguf.getU32(key('context_length')),
    ropeBase: gguf.getF32(key('rope.freq_base'), { required: false }) ?? 10000,
    ropePairing: arch === 'qwen2' ? 'halves' : 'adjacent',
    eps: gguf.getF32(key('attention.layer_norm_rms_epsilon')),
    qkvBias: gguf.tensors.some((t) => t.name === 'blk.0.attn_q.bias'),
    tiedOutput: !gguf.tensors.some((t) => t.name === 'output.weight'),
    ropeFreqs: gguf.tensors.some((t) => t.name === 'rope_freqs.weight'),
  };
  checkConfig(gguf.name, config);
  return config;
}

function checkConfig(file: string, c: ModelConfig): void {
  const bad = (field: string, why: string) =>
    new RuntimeError('MODEL_FORMAT', `${file}: ${field} ${why}`, { details: { file, field } });
  for (const field of ['nEmbd', 'nFf', 'nLayer', 'nHead', 'nKvHead', 'headDim', 'vocab', 'ctxTrain'] as const) {
    if (!Number.isInteger(c[field]) || c[field] <= 0) throw bad(field, `must be a positive integer, got ${c[field]}`);
  }
  if (c.nHead % c.nKvHead !== 0)
    throw bad('attention.head_count', `(${c.nHead}) must be a multiple of head_count_kv (${c.nKvHead})`);
  if (c.headDim % 2 !== 0 || c.headDim > 256) throw bad('head dim', `must be even and at most 256, got ${c.headDim}`);
  if (!(c.eps > 0)) throw bad('attention.layer_norm_rms_epsilon', `must be positive, got ${c.eps}`);
}
