/**
 * Vocabularies as llama.cpp's converter (convert_hf_to_gguf.py, gpt2 models)
 * writes them into tokenizer.ggml.*: every id up to the model's vocab size
 * (gaps → UNUSED `[PAD<id>]`), added tokens CONTROL when special or spelled
 * like `<|…|>` / `<｜…｜>`, else USER_DEFINED (▁ pre-normalized to a space),
 * merges as 'left right'. Also the two DeepSeek-R1-Distill vocabularies, made
 * from the Qwen2 and Llama 3.1 tokenizer.json files by putting DeepSeek's
 * added tokens where the R1-Distill tokenizer.json files have them.
 */
import { RuntimeError } from '@webseek/api';

/** The tokenizer.ggml.* fields of a byte-level BPE vocabulary (structurally @webseek/tokenizer's GgufTokenizerMeta). */
export interface SyntheticVocabulary {
  model: 'gpt2';
  /** tokenizer.ggml.pre: 'deepseek-r1-qwen', 'qwen2', 'llama-bpe', … */
  pre: string;
  tokens: string[];
  /** llama_token_type per token: NORMAL 1, CONTROL 3, USER_DEFINED 4, UNUSED 5. */
  tokenTypes: number[];
  merges: string[];
  bosId: number | null;
  eosId: number | null;
  padId: number | null;
  addBos: boolean;
  addEos: boolean;
}

export const GGUF_TOKEN_TYPE = { NORMAL: 1, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5 } as const;

type Json = Record<string, unknown>;

/** A parsed Hugging Face tokenizer.json and tokenizer_config.json. */
export interface HfTokenizerFiles {
  json: Json;
  config: Json;
}

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

export const R1_BOS = '<｜begin▁of▁sentence｜>';
export const R1_EOS = '<｜end▁of▁sentence｜>';

/** `vocab` with UNUSED `[PAD<id>]` tokens appended up to `size` ids (the converter's padding to hparams.vocab_size). */
export function padVocabulary(vocab: SyntheticVocabulary, size: number): SyntheticVocabulary {
  if (vocab.tokens.length > size) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `synthetic model: the vocabulary has ${vocab.tokens.length} tokens but the model only ${size} embedding rows`,
      { details: { tokens: vocab.tokens.length, vocab: size } },
    );
  }
  const tokens = [...vocab.tokens];
  const tokenTypes = [...vocab.tokenTypes];
  for (let i = tokens.length; i < size; i++) {
    tokens.push(`[PAD${i}]`);
    tokenTypes.push(GGUF_TOKEN_TYPE.UNUSED);
  }
  return { ...vocab, tokens, tokenTypes };
}

/** convert_hf_to_gguf.py's does_token_look_special. */
function looksSpecial(t: string): boolean {
  return (
    ['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(t) ||
    (t.startsWith('<|') && t.endsWith('|>')) ||
    (t.startsWith('<｜') && t.endsWith('｜>')) ||
    (t.startsWith('<start_of_') && t.endsWith('>'))
  );
}

/**
 * The tokenizer.ggml.* fields llama.cpp's converter writes for a byte-level BPE
 * tokenizer.json: ids 0 … max id (or `vocabSize` - 1), BOS/EOS/padding from
 * tokenizer_config's bos_token/eos_token/pad_token, add_bos_token from it too.
 */
export function ggufTokenizerFromHf(files: HfTokenizerFiles, pre: string, vocabSize?: number): SyntheticVocabulary {
  const model = files.json['model'] as { vocab: Record<string, number>; merges: (string | [string, string])[] };
  const addedTokens = files.json['added_tokens'] as AddedToken[];
  const byId = new Map<number, [string, number]>();
  for (const token in model.vocab) byId.set(model.vocab[token]!, [token, GGUF_TOKEN_TYPE.NORMAL]);
  for (const t of addedTokens) {
    const special = t.special || looksSpecial(t.content);
    byId.set(
      t.id,
      special ? [t.content, GGUF_TOKEN_TYPE.CONTROL] : [t.content.replaceAll('▁', ' '), GGUF_TOKEN_TYPE.USER_DEFINED],
    );
  }
  const n = vocabSize ?? [...byId.keys()].reduce((a, b) => Math.max(a, b), 0) + 1;
  const tokens: string[] = [];
  const tokenTypes: number[] = [];
  for (let i = 0; i < n; i++) {
    const [token, type] = byId.get(i) ?? [`[PAD${i}]`, GGUF_TOKEN_TYPE.UNUSED];
    tokens.push(token);
    tokenTypes.push(type);
  }
  const idOf = (name: unknown) => {
    const i = typeof name === 'string' ? tokens.indexOf(name) : -1;
    return i >= 0 ? i : null;
  };
  return {
    model: 'gpt2',
    pre,
    tokens,
    tokenTypes,
    merges: model.merges.map((m) => (typeof m === 'string' ? m : m.join(' '))),
    bosId: idOf(files.config['bos_token']),
    eosId: idOf(files.config['eos_token']),
    padId: idOf(files.config['pad_token']),
    addBos: files.config['add_bos_token'] === true,
    addEos: files.config['add_eos_token'] === true,
  };
}

const added = (id: number, content: string, special: boolean) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special,
});

const R1_CONFIG = { add_bos_token: true, bos_token: R1_BOS, eos_token: R1_EOS, pad_token: R1_EOS };

/** DeepSeek-R1-Distill-Qwen-*: Qwen2's BPE (`qwen` = Qwen2/Qwen3 tokenizer.json) with ids 151643–151664 as in its tokenizer.json, BOS added by the post-processor. */
export function r1DistillQwenFiles(qwen: HfTokenizerFiles): HfTokenizerFiles {
  const specials: [string, boolean][] = [
    [R1_EOS, true],
    ['<｜User｜>', false],
    ['<｜Assistant｜>', false],
    [R1_BOS, true],
    ['<|EOT|>', false],
    ['<think>', false],
    ['</think>', false],
    ['<|quad_start|>', true],
    ['<|quad_end|>', true],
    ['<|vision_start|>', true],
    ['<|vision_end|>', true],
    ['<|vision_pad|>', true],
    ['<|image_pad|>', true],
    ['<|video_pad|>', true],
    ['<tool_call>', false],
    ['</tool_call>', false],
    ['<|fim_prefix|>', false],
    ['<|fim_middle|>', false],
    ['<|fim_suffix|>', false],
    ['<|fim_pad|>', false],
    ['<|repo_name|>', false],
    ['<|file_sep|>', false],
  ];
  return {
    json: {
      ...qwen.json,
      added_tokens: specials.map(([content, special], i) => added(151643 + i, content, special)),
      post_processor: bosTemplate(R1_BOS, 151646),
    },
    config: { ...R1_CONFIG },
  };
}

/** DeepSeek-R1-Distill-Llama-*: Llama 3's BPE with DeepSeek's strings in reserved slots 128000/1 and 128011–15. */
export function r1DistillLlamaFiles(llama3: HfTokenizerFiles): HfTokenizerFiles {
  const renamed = new Map<number, [string, boolean]>([
    [128000, [R1_BOS, true]],
    [128001, [R1_EOS, true]],
    [128011, ['<｜User｜>', false]],
    [128012, ['<｜Assistant｜>', false]],
    [128013, ['<think>', false]],
    [128014, ['</think>', false]],
    [128015, ['<｜▁pad▁｜>', true]],
  ]);
  const tokens = (llama3.json['added_tokens'] as AddedToken[]).map((t) => {
    const r = renamed.get(t.id);
    return r ? added(t.id, r[0], r[1]) : t;
  });
  return {
    json: { ...llama3.json, added_tokens: tokens, post_processor: bosTemplate(R1_BOS, 128000) },
    config: { ...R1_CONFIG },
  };
}

function bosTemplate(bos: string, id: number): Json {
  return {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    special_tokens: { [bos]: { id: bos, ids: [id], tokens: [bos] } },
  };
}
