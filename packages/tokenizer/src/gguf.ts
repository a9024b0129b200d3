/**
 * Tokenizer from GGUF metadata (`tokenizer.ggml.*`). llama.cpp's converter
 * writes every id's token with a type: NORMAL (byte-level BPE), CONTROL (HF
 * special tokens and anything spelled like `<|…|>` / `<｜…｜>`), USER_DEFINED
 * (other added tokens, e.g. `<think>`), UNUSED (padding up to the embedding rows).
 */
import { RuntimeError } from '@webseek/api';
import { Tokenizer } from './tokenizer.ts';

export interface GgufTokenizerMeta {
  /** `tokenizer.ggml.model`; only 'gpt2' (byte-level BPE) is supported. Default 'gpt2'. */
  model?: string;
  /** `tokenizer.ggml.pre`: 'qwen2', 'deepseek-r1-qwen', 'llama-bpe', … */
  pre: string;
  tokens: readonly string[];
  /** 'left right', in rank order. */
  merges: readonly string[];
  tokenTypes?: ArrayLike<number>;
  bosId?: number | null;
  eosId?: number | null;
  eotId?: number | null;
  padId?: number | null;
  addBos?: boolean;
  addEos?: boolean;
  chatTemplate?: string | null;
}

export function tokenizerFromGguf(meta: GgufTokenizerMeta): Tokenizer {
  const model = meta.model ?? 'gpt2';
  if (model !== 'gpt2') {
    throw new RuntimeError(
      'MODEL_FORMAT',
      `tokenizer.ggml.model = "${model}" is not supported; only byte-level BPE ("gpt2") vocabularies are`,
      { details: { field: 'tokenizer.ggml.model', value: model } },
    );
  }
  return new Tokenizer({ ...meta, normalize: null, addBos: meta.addBos ?? ADD_BOS_BY_DEFAULT.has(meta.pre) });
}

/** Pre-tokenizers for which llama.cpp adds BOS when the file has no tokenizer.ggml.add_bos_token. */
const ADD_BOS_BY_DEFAULT = new Set(['llama3', 'llama-bpe', 'deepseek-r1-qwen']);

type Metadata = ReadonlyMap<string, { value: unknown }> | Readonly<Record<string, unknown>>;

/**
 * The tokenizer keys of a GGUF file's metadata: either the reader's map of
 * typed values (`gguf.metadata`) or a plain object of key → value.
 */
export function ggufTokenizerMeta(metadata: Metadata): GgufTokenizerMeta {
  const get = (key: string): unknown =>
    metadata instanceof Map
      ? (metadata.get(key) as { value: unknown } | undefined)?.value
      : (metadata as Record<string, unknown>)[key];
  const id = (key: string): number | null => {
    const v = get(key);
    return typeof v === 'number' || typeof v === 'bigint' ? Number(v) : null;
  };
  const tokens = get('tokenizer.ggml.tokens');
  if (!Array.isArray(tokens)) throw missing('tokenizer.ggml.tokens');
  const merges = get('tokenizer.ggml.merges');
  const types = get('tokenizer.ggml.token_type');
  const template = get('tokenizer.chat_template');
  return {
    model: String(get('tokenizer.ggml.model') ?? 'gpt2'),
    pre: String(get('tokenizer.ggml.pre') ?? 'gpt-2'),
    tokens,
    merges: Array.isArray(merges) ? merges : [],
    tokenTypes: isArrayLike(types) ? types : undefined,
    bosId: id('tokenizer.ggml.bos_token_id'),
    eosId: id('tokenizer.ggml.eos_token_id'),
    eotId: id('tokenizer.ggml.eot_token_id'),
    padId: id('tokenizer.ggml.padding_token_id'),
    addBos: bool(get('tokenizer.ggml.add_bos_token')),
    addEos: bool(get('tokenizer.ggml.add_eos_token')),
    chatTemplate: typeof template === 'string' ? template : null,
  };
}

function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

function isArrayLike(v: unknown): v is ArrayLike<number> {
  return Array.isArray(v) || ArrayBuffer.isView(v);
}

function missing(key: string): RuntimeError {
  return new RuntimeError('MODEL_FORMAT', `GGUF metadata has no ${key} array`, { details: { field: key } });
}
