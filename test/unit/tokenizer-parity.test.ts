/**
 * Our BPE against @huggingface/tokenizers (the JS port of HF tokenizers) on
 * the same tokenizer.json files, over a deterministic corpus of ~2,600
 * strings: ids must be equal, string for string, and decode(encode(s)) must
 * give s back (NFC-composed where the vocabulary normalizes).
 */
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { type Tokenizer, tokenizerFromGguf, tokenizerFromHf } from '@webseek/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CorpusEntry, tokenizerCorpus } from './tokenizer-corpus.ts';
import { ggufMetaFromHf, type HfFiles, loadHf, r1DistillLlama, r1DistillQwen } from './tokenizer-fixtures.ts';

const corpus = tokenizerCorpus();

interface Mismatch {
  kind: string;
  text: string;
  ours: number[];
  reference: number[];
}

/** Every corpus string whose ids differ; the test prints the first few. */
function mismatches(
  entries: readonly CorpusEntry[],
  ours: (s: string) => number[],
  reference: (s: string) => number[],
): Mismatch[] {
  const bad: Mismatch[] = [];
  for (const { kind, text } of entries) {
    const a = ours(text);
    const b = reference(text);
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) bad.push({ kind, text, ours: a, reference: b });
  }
  return bad;
}

const show = (bad: Mismatch[]) =>
  bad
    .slice(0, 5)
    .map((m) => `${m.kind} ${JSON.stringify(m.text).slice(0, 80)}\n  ours ${m.ours}\n  ref  ${m.reference}`);

function reference(files: HfFiles) {
  const hf = new HfTokenizer(files.json, files.config);
  return {
    plain: (s: string) => (s === '' ? [] : hf.encode(s, { add_special_tokens: false }).ids),
    special: (s: string) => hf.encode(s, { add_special_tokens: true }).ids,
  };
}

describe.each([
  { name: 'qwen3 (Qwen2 BPE)', vocab: 'qwen3', pre: 'qwen2' },
  { name: 'llama3_1', vocab: 'llama3_1', pre: 'llama-bpe' },
] as const)('parity with @huggingface/tokenizers: $name', ({ vocab, pre }) => {
  let files: HfFiles;
  let ours: Tokenizer;
  let ref: ReturnType<typeof reference>;
  beforeAll(() => {
    files = loadHf(vocab);
    ours = tokenizerFromHf(files.json, files.config);
    ref = reference(files);
  });

  it(`encodes all ${corpus.length} corpus strings to the same ids`, () => {
    expect(ours.pre).toBe(pre);
    const bad = mismatches(corpus, (s) => ours.encode(s), ref.plain);
    expect(show(bad)).toEqual([]);
  });

  it('adds BOS exactly where the post-processor does', () => {
    const bad = mismatches(corpus.slice(0, 300), (s) => ours.encode(s, { addSpecial: true }), ref.special);
    expect(show(bad)).toEqual([]);
  });

  it('decodes every encoding back to the text', () => {
    const expected = (text: string) => (ours.normalize ? text.normalize(ours.normalize) : text);
    const wrong = corpus.filter(({ text }) => ours.decode(ours.encode(text)) !== expected(text));
    expect(wrong.map((w) => w.text)).toEqual([]);
    // The normalizer is really exercised: decomposed strings come back composed.
    if (ours.normalize === 'NFC') expect(corpus.some(({ text }) => text !== text.normalize('NFC'))).toBe(true);
  });

  it('gives the same ids built from GGUF metadata (which has no normalizer: NFC-vocabularies get NFC text)', () => {
    const gguf = tokenizerFromGguf(ggufMetaFromHf(files, pre, vocab === 'qwen3' ? 151936 : undefined));
    expect(gguf.vocabSize).toBe(vocab === 'qwen3' ? 151936 : 128256);
    expect(gguf.normalize).toBe(null);
    const input = (s: string) => (ours.normalize ? s.normalize(ours.normalize) : s);
    const bad = mismatches(corpus, (s) => gguf.encode(input(s)), ref.plain);
    expect(show(bad)).toEqual([]);
    const sample = corpus.slice(0, 200).map((e) => e.text);
    for (const s of sample) expect(gguf.decode(gguf.encode(s))).toBe(s);
  });
});

describe('R1-Distill vocabularies (DeepSeek special tokens on Qwen2 / Llama 3 BPE)', () => {
  it.each([
    { name: 'R1-Distill-Qwen', files: r1DistillQwen, user: 151644, assistant: 151645, think: 151648, bos: 151646 },
    { name: 'R1-Distill-Llama', files: r1DistillLlama, user: 128011, assistant: 128012, think: 128013, bos: 128000 },
  ])('$name: special strings become single ids, other text matches HF', ({ files, user, assistant, think, bos }) => {
    const f = files();
    const ours = tokenizerFromHf(f.json, f.config);
    const ref = reference(f);
    const prompt = '<｜begin▁of▁sentence｜>Be brief.<｜User｜>2+2?<｜Assistant｜><think>\n';
    const ids = ours.encode(prompt);
    expect(ids[0]).toBe(bos);
    expect(ids).toContain(user);
    expect(ids.slice(-3, -1)).toEqual([assistant, think]);
    expect(ours.decode(ids)).toBe(prompt);
    expect(ours.decode(ids, { skipSpecial: true })).toBe('Be brief.<｜User｜>2+2?<｜Assistant｜><think>\n');
    expect(ours.encode('hi', { addSpecial: true })[0]).toBe(bos);
    const special = corpus.filter((e) => e.kind === 'special' || e.kind === 'mixed');
    expect(show(mismatches(special, (s) => ours.encode(s), ref.plain))).toEqual([]);
    expect(show(mismatches(special.slice(0, 100), (s) => ours.encode(s, { addSpecial: true }), ref.special))).toEqual(
      [],
    );
  });

  it('R1-Distill-Qwen from GGUF metadata: CONTROL vs USER_DEFINED as the converter assigns them', () => {
    const gguf = tokenizerFromGguf(ggufMetaFromHf(r1DistillQwen(), 'deepseek-r1-qwen', 151936));
    expect(gguf.bosId).toBe(151646);
    expect(gguf.eosId).toBe(151643);
    expect(gguf.addBos).toBe(true);
    expect([...gguf.eogIds].sort()).toEqual([151643, 151647]);
    const text = '<｜User｜>hi<think>x</think>';
    expect(gguf.encode(text)).toEqual([151644, 6023, 151648, 87, 151649]);
    // llama.cpp's parse_special=false still matches USER_DEFINED tokens (<think>) but not CONTROL ones.
    const plain = gguf.encode(text, { parseSpecial: false });
    expect(plain).not.toContain(151644);
    expect(plain).toContain(151648);
    expect(gguf.decode(plain)).toBe(text);
    expect(gguf.decode([151646, 151644, 6023, 151645, 151936 - 1], { skipSpecial: true })).toBe('hi');
  });
});

describe('parity on deepseek_v3 (three-regex pre-tokenizer, 818 added tokens)', () => {
  it('encodes a corpus sample to the same ids', () => {
    const files = loadHf('deepseek_v3');
    const ours = tokenizerFromHf(files.json, files.config);
    expect(ours.pre).toBe('deepseek-v3');
    const ref = reference(files);
    const sample = corpus.filter((_, i) => i % 5 === 0);
    expect(show(mismatches(sample, (s) => ours.encode(s), ref.plain))).toEqual([]);
    for (const { text } of sample) expect(ours.decode(ours.encode(text))).toBe(text);
  });
});
