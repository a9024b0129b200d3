/**
 * Tokenizer from a Hugging Face tokenizer.json (+ tokenizer_config.json for
 * BOS/EOS names, extra added tokens and the chat template). Only what
 * byte-level BPE models use is accepted; anything else is MODEL_FORMAT, named.
 */
import { RuntimeError } from '@webseek/api';
import { onigToJs, PRE_PATTERNS } from './pretokenize.ts';
import { TOKEN_TYPE, Tokenizer, type VocabSpec } from './tokenizer.ts';

const GPT2_BYTELEVEL_REGEX = PRE_PATTERNS['gpt-2']![0]!;

type Json = Record<string, unknown>;

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

/** `tokenizerJson` and `tokenizerConfig` are the parsed JSON files. */
export function tokenizerFromHf(tokenizerJson: unknown, tokenizerConfig: unknown = {}): Tokenizer {
  return new Tokenizer(hfVocabSpec(tokenizerJson, tokenizerConfig));
}

export function hfVocabSpec(tokenizerJson: unknown, tokenizerConfig: unknown = {}): VocabSpec {
  const json = object(tokenizerJson, 'tokenizer.json');
  const config = object(tokenizerConfig, 'tokenizer_config.json');
  const model = object(json['model'], 'tokenizer.json model');
  if (model['type'] !== 'BPE') fail(`model.type is ${String(model['type'])}; only BPE is supported`);
  if (model['byte_fallback'] === true) fail('model.byte_fallback is set; only byte-level BPE is supported');
  const vocab = object(model['vocab'], 'model.vocab') as Record<string, number>;
  const added = addedTokens(json, config);
  const { tokens, tokenTypes } = tokenTable(vocab, added);
  const patterns = splitPatterns(json['pre_tokenizer']);
  const post = postProcessor(json['post_processor'], added);
  const idOf = (name: unknown): number | null => {
    const text = typeof name === 'string' ? name : (name as Json | null)?.['content'];
    if (typeof text !== 'string') return null;
    return added.find((t) => t.content === text)?.id ?? vocab[text] ?? null;
  };
  return {
    tokens,
    tokenTypes,
    merges: model['merges'] as VocabSpec['merges'],
    pre: preName(patterns),
    prePatterns: patterns,
    ignoreMerges: model['ignore_merges'] === true,
    normalize: normalizer(json['normalizer']),
    bosId: post.bosId ?? idOf(config['bos_token']),
    eosId: idOf(config['eos_token']) ?? post.eosId,
    padId: idOf(config['pad_token']),
    addBos: post.bosId !== null,
    addEos: post.eosId !== null,
    chatTemplate: chatTemplate(config['chat_template']),
  };
}

function addedTokens(json: Json, config: Json): AddedToken[] {
  const list = (Array.isArray(json['added_tokens']) ? json['added_tokens'] : []) as Json[];
  const byId = new Map<number, AddedToken>();
  for (const t of list)
    byId.set(Number(t['id']), { id: Number(t['id']), content: String(t['content']), special: t['special'] === true });
  const decoder = (config['added_tokens_decoder'] ?? {}) as Record<string, Json>;
  for (const [id, t] of Object.entries(decoder)) {
    if (!byId.has(Number(id)))
      byId.set(Number(id), { id: Number(id), content: String(t['content']), special: t['special'] === true });
  }
  return [...byId.values()];
}

/** id → token and type; ids no entry names become UNUSED `[PAD<id>]`, as llama.cpp's converter writes them. */
function tokenTable(vocab: Record<string, number>, added: AddedToken[]): { tokens: string[]; tokenTypes: Uint8Array } {
  let n = 0;
  for (const token in vocab) n = Math.max(n, vocab[token]! + 1);
  for (const t of added) n = Math.max(n, t.id + 1);
  const tokens = new Array<string>(n);
  const tokenTypes = new Uint8Array(n).fill(TOKEN_TYPE.UNUSED);
  for (const token in vocab) {
    const id = vocab[token]!;
    tokens[id] = token;
    tokenTypes[id] = TOKEN_TYPE.NORMAL;
  }
  for (const t of added) {
    tokens[t.id] = t.content;
    tokenTypes[t.id] = t.special ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED;
  }
  for (let i = 0; i < n; i++) tokens[i] ??= `[PAD${i}]`;
  return { tokens, tokenTypes };
}

/** The Split regexes of the pre-tokenizer, in order (ByteLevel with use_regex contributes GPT-2's). */
function splitPatterns(pre: unknown): string[] {
  const out: string[] = [];
  const walk = (p: Json) => {
    switch (p['type']) {
      case 'Sequence':
        for (const q of p['pretokenizers'] as Json[]) walk(q);
        return;
      case 'Split': {
        const regex = (p['pattern'] as Json | undefined)?.['Regex'];
        if (typeof regex !== 'string' || p['invert'] === true || p['behavior'] !== 'Isolated') {
          fail(`pre_tokenizer Split ${JSON.stringify(p)} is not an Isolated regex split`);
        }
        out.push(regex);
        return;
      }
      case 'ByteLevel':
        if (p['add_prefix_space'] === true) fail('pre_tokenizer ByteLevel.add_prefix_space is not supported');
        if (p['use_regex'] !== false) out.push(GPT2_BYTELEVEL_REGEX);
        return;
      default:
        fail(`pre_tokenizer type ${String(p['type'])} is not supported`);
    }
  };
  walk(object(pre, 'tokenizer.json pre_tokenizer'));
  return out;
}

/** llama.cpp's name for a known pattern list, else 'custom'. */
function preName(patterns: string[]): string {
  const key = (list: readonly string[]) => list.map((p) => onigToJs(p).source).join('\n');
  const mine = key(patterns);
  return Object.entries(PRE_PATTERNS).find(([, list]) => key(list) === mine)?.[0] ?? 'custom';
}

function normalizer(n: unknown): 'NFC' | null {
  if (n === null || n === undefined) return null;
  const j = n as Json;
  if (j['type'] === 'NFC') return 'NFC';
  if (j['type'] === 'Sequence') {
    const list = j['normalizers'] as Json[];
    if (list.length === 0) return null;
    if (list.length === 1) return normalizer(list[0]);
  }
  return fail(`normalizer ${JSON.stringify(n)} is not supported (only NFC or none)`);
}

/** BOS/EOS a TemplateProcessing post-processor puts around a single sequence. */
function postProcessor(p: unknown, added: AddedToken[]): { bosId: number | null; eosId: number | null } {
  const none = { bosId: null, eosId: null };
  if (!p) return none;
  const j = p as Json;
  if (j['type'] === 'Sequence') {
    const template = (j['processors'] as Json[]).find((q) => q['type'] === 'TemplateProcessing');
    return template ? postProcessor(template, added) : none;
  }
  if (j['type'] !== 'TemplateProcessing') return none;
  const single = j['single'] as Json[];
  const seq = single.findIndex((s) => 'Sequence' in s);
  const special = (s: Json | undefined): number | null => {
    const name = (s?.['SpecialToken'] as Json | undefined)?.['id'];
    if (typeof name !== 'string') return null;
    const ids = ((j['special_tokens'] as Json)[name] as Json | undefined)?.['ids'] as number[] | undefined;
    return ids?.[0] ?? added.find((t) => t.content === name)?.id ?? null;
  };
  return { bosId: seq > 0 ? special(single[seq - 1]) : null, eosId: special(single[seq + 1]) };
}

function chatTemplate(t: unknown): string | null {
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as { name: string; template: string }[];
    return (named.find((x) => x.name === 'default') ?? named[0])?.template ?? null;
  }
  return null;
}

function object(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} is not a JSON object`);
  return v as Json;
}

function fail(message: string): never {
  throw new RuntimeError('MODEL_FORMAT', `tokenizer.json: ${message}`);
}
