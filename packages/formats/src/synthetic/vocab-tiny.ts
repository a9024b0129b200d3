/**
 * The tiny vocabulary for tiny models: the 256 byte tokens of byte-level BPE
 * (GPT-2's byte → code point table), a few hundred merges learned from a fixed
 * built-in text, DeepSeek's chat tokens, then UNUSED padding up to the model's
 * vocab size — small enough that a 300-row embedding holds it, real enough that
 * llama.cpp and @webseek/tokenizer both load and run it.
 */
import { bad } from './spec.ts';
import { ggufTokenizerFromHf, R1_BOS, R1_EOS, type SyntheticVocabulary } from './vocab.ts';

/** Merges learned when the vocab size leaves room for them. */
export const TINY_MERGES = 320;

const SPECIALS: [string, boolean][] = [
  [R1_BOS, true],
  [R1_EOS, true],
  ['<｜User｜>', false],
  ['<｜Assistant｜>', false],
  ['<think>', false],
  ['</think>', false],
];

/** The smallest vocab size the tiny vocabulary fits in (no merges). */
export const TINY_MIN_VOCAB = 256 + SPECIALS.length;

const TRAINING_TEXT = [
  'The quick brown fox jumps over the lazy dog. The dog sleeps in the sun, and the fox runs into the forest.',
  'A language model reads tokens and predicts the next token. It is trained on text, and then it answers questions.',
  'Think step by step: first read the question, then think about the answer, and then write the answer down.',
  'What is the capital of France? The capital of France is Paris. What is two plus two? Two plus two is four.',
  'In the morning the weather was cold, but in the afternoon the sun came out and the children played outside.',
  'function add(a, b) { return a + b; } const total = add(40, 2); console.log("the total is", total);',
  'for (let i = 0; i < 10; i++) { if (i % 2 === 0) { print(i); } } // even numbers from the loop',
  'She said that the book on the table was hers, and he said that the pen in the drawer was his.',
  'The model is small and its weights are random, so its answers are nonsense; the tokenizer is what matters here.',
  'Numbers like 2024, 3.14159 and 1000000 are split into digits, while words keep their leading spaces.',
].join('\n');

/**
 * The tiny vocabulary for a model with `size` embedding rows: byte tokens at
 * ids 0–255, up to TINY_MERGES learned merges, the six DeepSeek tokens, padding.
 */
export function tinyVocabulary(size: number, pre: string): SyntheticVocabulary {
  if (size < TINY_MIN_VOCAB)
    bad(`the tiny vocabulary needs at least ${TINY_MIN_VOCAB} ids, vocab is ${size}`, { size });
  const bytes = Array.from({ length: 256 }, (_, b) => String.fromCharCode(BYTE_TO_CHAR[b]!));
  const merges = learnMerges(TRAINING_TEXT, Math.min(TINY_MERGES, size - TINY_MIN_VOCAB));
  const vocab: Record<string, number> = {};
  for (const token of [...bytes, ...merges.map((m) => m.join(''))]) vocab[token] ??= Object.keys(vocab).length;
  const first = Object.keys(vocab).length;
  const addedTokens = SPECIALS.map(([content, special], i) => ({ id: first + i, content, special }));
  const files = {
    json: { model: { vocab, merges }, added_tokens: addedTokens },
    config: { add_bos_token: true, bos_token: R1_BOS, eos_token: R1_EOS, pad_token: R1_EOS },
  };
  return ggufTokenizerFromHf(files, pre, size);
}

/** GPT-2's byte → code point table: printable Latin-1 bytes keep their code point, the rest map to 256+. */
const BYTE_TO_CHAR: readonly number[] = (() => {
  const table: number[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table.push(printable ? b : 256 + shifted++);
  }
  return table;
})();

// GPT-2's split (contractions, letters, digits, other, spaces), enough for learning merges.
const SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * Classic BPE training: repeatedly merge the most frequent adjacent pair
 * (ties → the smaller 'left right' string) inside pre-tokenized words, until
 * `count` merges or words are single tokens.
 */
function learnMerges(text: string, count: number): [string, string][] {
  const words = new Map<string, number>();
  for (const piece of text.match(SPLIT) ?? []) {
    const word = Array.from(new TextEncoder().encode(piece), (b) => String.fromCharCode(BYTE_TO_CHAR[b]!)).join(' ');
    words.set(word, (words.get(word) ?? 0) + 1);
  }
  let symbols = [...words].map(([w, n]) => ({ parts: w.split(' '), n }));
  const merges: [string, string][] = [];
  while (merges.length < count) {
    const best = mostFrequentPair(symbols);
    if (!best) break;
    merges.push(best);
    symbols = symbols.map(({ parts, n }) => ({ parts: mergePair(parts, best), n }));
  }
  return merges;
}

function mostFrequentPair(words: { parts: string[]; n: number }[]): [string, string] | undefined {
  const counts = new Map<string, number>();
  for (const { parts, n } of words) {
    for (let i = 0; i + 1 < parts.length; i++) {
      const key = `${parts[i]} ${parts[i + 1]}`;
      counts.set(key, (counts.get(key) ?? 0) + n);
    }
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const [key, n] of counts) {
    if (n > bestCount || (n === bestCount && best !== undefined && key < best)) {
      best = key;
      bestCount = n;
    }
  }
  return best === undefined ? undefined : (best.split(' ') as [string, string]);
}

function mergePair(parts: string[], [a, b]: [string, string]): string[] {
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === a && parts[i + 1] === b) {
      out.push(a + b);
      i++;
    } else out.push(parts[i]!);
  }
  return out;
}
