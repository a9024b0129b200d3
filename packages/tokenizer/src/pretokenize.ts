/**
 * Pre-tokenization: the text is cut into pieces by regexes before BPE, and no
 * merge ever crosses a piece boundary. Patterns are kept in the Oniguruma
 * syntax HF tokenizer.json files use (so a tokenizer.json pattern can be
 * compared with ours verbatim) and translated to JavaScript once.
 */
import { RuntimeError } from '@webseek/api';

const CONTRACTIONS = "(?i:'s|'t|'re|'ve|'m|'ll|'d)";
const QWEN2 = String.raw`${CONTRACTIONS}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const LLAMA3 = String.raw`${CONTRACTIONS}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const GPT2 = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;
const DEEPSEEK_V3 = [
  String.raw`\p{N}{1,3}`,
  '[一-龥぀-ゟ゠-ヿ]+',
  String.raw`[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_` +
    '`' +
    String.raw`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
];

/**
 * GGUF `tokenizer.ggml.pre` names (llama.cpp's) → Oniguruma patterns applied
 * in sequence. deepseek-r1-qwen GGUFs carry the Qwen2 vocabulary and regex.
 */
export const PRE_PATTERNS: Readonly<Record<string, readonly string[]>> = {
  qwen2: [QWEN2],
  'deepseek-r1-qwen': [QWEN2],
  'llama-bpe': [LLAMA3],
  llama3: [LLAMA3],
  'deepseek-v3': DEEPSEEK_V3,
  'gpt-2': [GPT2],
};

/** Pre-tokenizer names whose vocabularies were trained with HF's `ignore_merges` (whole-piece lookup first). */
export const IGNORE_MERGES_PRE = new Set(['llama-bpe', 'llama3']);

export function prePatterns(name: string): readonly string[] {
  const patterns = PRE_PATTERNS[name];
  if (!patterns) {
    throw new RuntimeError(
      'MODEL_FORMAT',
      `tokenizer.ggml.pre = "${name}" is not a supported pre-tokenizer (known: ${Object.keys(PRE_PATTERNS).join(', ')})`,
      { details: { field: 'tokenizer.ggml.pre', value: name } },
    );
  }
  return patterns;
}

/**
 * Oniguruma → JavaScript `u` regex for the constructs BPE pre-tokenizers use:
 * `\s`/`\S` become White_Space (JS `\s` adds U+FEFF and misses U+0085), and
 * `(?i:…)` over plain letters becomes explicit `[sS]` classes (ASCII folding,
 * as llama.cpp spells it).
 */
export function onigToJs(pattern: string): RegExp {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[++i];
      if (next === 's') out += String.raw`\p{White_Space}`;
      else if (next === 'S' && !inClass) out += String.raw`\P{White_Space}`;
      else if (next === 'S') throw unsupported(pattern, 'a \\S inside a character class');
      else out += `\\${next}`;
    } else if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
    } else if (ch === '[') {
      inClass = true;
      out += ch;
    } else if (pattern.startsWith('(?i:', i)) {
      const close = pattern.indexOf(')', i);
      const inner = pattern.slice(i + 4, close);
      if (close < 0 || /[[\\(]/.test(inner)) throw unsupported(pattern, 'a (?i:…) group with more than letters');
      out += `(?:${inner.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`)})`;
      i = close;
    } else out += ch;
  }
  try {
    return new RegExp(out, 'uy');
  } catch (cause) {
    throw new RuntimeError('MODEL_FORMAT', `pre-tokenizer regex /${pattern}/ does not translate to JavaScript`, {
      cause,
    });
  }
}

function unsupported(pattern: string, what: string): RuntimeError {
  return new RuntimeError('MODEL_FORMAT', `pre-tokenizer regex /${pattern}/ has ${what}, which is not supported`);
}

/** Splits text by a sequence of regexes with HF's "Isolated" behaviour: matches and the gaps between them are pieces. */
export class PreTokenizer {
  readonly patterns: readonly string[];
  readonly #regexes: RegExp[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns;
    this.#regexes = patterns.map(onigToJs);
  }

  /** Calls `emit` with each non-empty piece of `text`, in order. */
  split(text: string, emit: (piece: string) => void): void {
    this.#level(text, 0, emit);
  }

  #level(text: string, level: number, emit: (piece: string) => void): void {
    const re = this.#regexes[level]!;
    const next = level + 1 === this.#regexes.length ? emit : (piece: string) => this.#level(piece, level + 1, emit);
    // Sticky test() at each position allocates no match arrays (the hot loop of encode);
    // where nothing matches, the gap grows by one code point, as a global exec would skip it.
    let gap = 0;
    let at = 0;
    while (at < text.length) {
      re.lastIndex = at;
      const end = re.test(text) ? re.lastIndex : at;
      if (end > at) {
        if (gap < at) next(text.slice(gap, at));
        next(text.slice(at, end));
        gap = at = end;
      } else {
        at += text.charCodeAt(at) >= 0xd800 && text.charCodeAt(at) < 0xdc00 ? 2 : 1;
      }
    }
    if (gap < text.length) next(text.slice(gap));
  }
}
