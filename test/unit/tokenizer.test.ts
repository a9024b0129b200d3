/**
 * Tokenizer mechanics: merge order, the long-word (heap) path against a plain
 * BPE, pre-tokenizer regexes, the streaming detokenizer, GGUF metadata
 * loading and the errors bad input and bad files get.
 */
import { isRuntimeError } from '@webseek/api';
import {
  ggufTokenizerMeta,
  PRE_PATTERNS,
  PreTokenizer,
  StreamDecoder,
  TOKEN_TYPE,
  type Tokenizer,
  tokenizerFromGguf,
  tokenizerFromHf,
} from '@webseek/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { rng, tokenizerCorpus } from './tokenizer-corpus.ts';
import { loadHf } from './tokenizer-fixtures.ts';

/** GPT-2's byte → code point table, written out again independently of the package. */
const BYTE_CHARS = (() => {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(keep(b) ? b : 256 + extra++));
})();

/** A byte-level vocabulary of the 256 byte tokens plus `extra` tokens and `merges`. */
function tinyTokenizer(extra: string[], merges: string[], more: Partial<Parameters<typeof tokenizerFromGguf>[0]> = {}) {
  return tokenizerFromGguf({ pre: 'qwen2', tokens: [...BYTE_CHARS, ...extra], merges, ...more });
}

function expectError(fn: () => unknown, code: string, text: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(isRuntimeError(e), String(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    expect((e as Error).message).toMatch(text);
    return;
  }
  throw new Error(`expected a ${code} error`);
}

describe('merge order', () => {
  const id = (t: Tokenizer, token: string) => t.tokenToId(token)!;

  it('merges the lowest-ranked pair first, wherever it is', () => {
    const t = tinyTokenizer(['ab', 'bc', 'abc'], ['b c', 'a b', 'a bc']);
    expect(t.encode('abc')).toEqual([id(t, 'abc')]);
    const u = tinyTokenizer(['ab', 'bc', 'abc'], ['a b', 'b c', 'ab c']);
    expect(u.encode('abc')).toEqual([id(u, 'abc')]);
    const v = tinyTokenizer(['ab', 'bc'], ['a b', 'b c']);
    expect(v.encode('abc')).toEqual([id(v, 'ab'), id(v, 'c')]);
  });

  it('breaks rank ties leftmost-first', () => {
    const t = tinyTokenizer(['aa'], ['a a']);
    expect(t.encode('aaa')).toEqual([id(t, 'aa'), id(t, 'a')]);
    expect(t.encode('a'.repeat(101))).toEqual([...Array(50).fill(id(t, 'aa')), id(t, 'a')]);
  });

  it('ignore_merges uses a whole piece that is itself a token (Llama 3)', () => {
    const merges = ['a b', 'c d'];
    const plain = tinyTokenizer(['ab', 'cd', 'abcd'], merges);
    expect(plain.encode('abcd')).toEqual([id(plain, 'ab'), id(plain, 'cd')]);
    const whole = tinyTokenizer(['ab', 'cd', 'abcd'], merges, { pre: 'llama-bpe' });
    expect(whole.ignoreMerges).toBe(true);
    expect(whole.encode('abcd')).toEqual([id(whole, 'abcd')]);
  });
});

describe('long words (heap path) against a plain BPE', () => {
  let qwen: Tokenizer;
  let ranks: Map<string, number>;
  beforeAll(() => {
    const { json, config } = loadHf('qwen3');
    qwen = tokenizerFromHf(json, config);
    const merges = (json['model'] as { merges: [string, string][] }).merges;
    ranks = new Map(merges.map(([a, b], i) => [`${a} ${b}`, i]));
  });

  /** The textbook loop: merge the best-ranked adjacent pair (leftmost on ties) until none is left. */
  function plainBpe(word: string): number[] {
    let parts = Array.from(new TextEncoder().encode(word), (b) => BYTE_CHARS[b]!);
    for (;;) {
      let best = Number.POSITIVE_INFINITY;
      let at = -1;
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = ranks.get(`${parts[i]} ${parts[i + 1]}`);
        if (r !== undefined && r < best) [best, at] = [r, i];
      }
      if (at < 0) return parts.map((p) => qwen.tokenToId(p)!);
      parts = [...parts.slice(0, at), parts[at]! + parts[at + 1]!, ...parts.slice(at + 2)];
    }
  }

  it('gives the same ids for single pieces of 1–700 bytes', () => {
    const r = rng(7);
    const letters = (n: number, alphabet: string) =>
      Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    const words = [
      ...Array.from({ length: 40 }, (_, i) => letters(1 + i * 7, 'abcdefghijklmnopqrstuvwxyzABCDE')),
      ...Array.from({ length: 12 }, (_, i) => letters(20 + i * 17, 'ababababcthe')),
      ...Array.from({ length: 12 }, (_, i) =>
        Array.from({ length: 10 + i * 19 }, () => String.fromCodePoint(0x4e00 + Math.floor(r() * 0x5000))).join(''),
      ),
    ];
    for (const w of words) {
      const pieces: string[] = [];
      new PreTokenizer(PRE_PATTERNS['qwen2']!).split(w, (p) => pieces.push(p));
      expect(pieces).toEqual([w]);
      expect(qwen.encode(w)).toEqual(plainBpe(w));
    }
  });
});

describe('pre-tokenizer regexes', () => {
  const pieces = (name: string, text: string) => {
    const out: string[] = [];
    new PreTokenizer(PRE_PATTERNS[name]!).split(text, (p) => out.push(p));
    return out;
  };

  it('splits digits one by one (Qwen2) or in runs of up to three (Llama 3)', () => {
    expect(pieces('qwen2', 'x1234567')).toEqual(['x', '1', '2', '3', '4', '5', '6', '7']);
    expect(pieces('llama-bpe', 'x1234567')).toEqual(['x', '123', '456', '7']);
  });

  it('keeps contractions case-insensitively and whitespace before words', () => {
    expect(pieces('qwen2', "I'LL we've it'S")).toEqual(['I', "'LL", ' we', "'ve", ' it', "'S"]);
    expect(pieces('qwen2', 'a   b\n\n  c')).toEqual(['a', '  ', ' b', '\n\n', ' ', ' c']);
  });

  it('treats U+0085 as whitespace and U+FEFF as not (Unicode White_Space, unlike JS \\s)', () => {
    expect(pieces('qwen2', 'a\u0085\u0085b')).toEqual(['a', '\u0085', '\u0085b']);
    expect(pieces('qwen2', 'a \ufeffb')).toEqual(['a', ' \ufeff', 'b']);
  });

  it('every text is covered exactly by its pieces', () => {
    for (const name of Object.keys(PRE_PATTERNS)) {
      for (const { text } of tokenizerCorpus().slice(0, 2600)) expect(pieces(name, text).join('')).toBe(text);
    }
  });

  it('NFC can change only text with a code point ≥ U+0300 (the encoder skips normalize() otherwise)', () => {
    for (let c = 0; c < 0x300; c++) expect(String.fromCharCode(c).normalize('NFC')).toBe(String.fromCharCode(c));
    const r = rng(3);
    for (let i = 0; i < 200; i++) {
      const s = Array.from({ length: 8 }, () => String.fromCharCode(Math.floor(r() * 0x300))).join('');
      expect(s.normalize('NFC')).toBe(s);
    }
  });
});

describe('streaming detokenizer', () => {
  let qwen: Tokenizer;
  let byteId: (b: number) => number;
  beforeAll(() => {
    const { json, config } = loadHf('qwen3');
    qwen = tokenizerFromHf(json, config);
    byteId = (b) => qwen.tokenToId(BYTE_CHARS[b]!)!;
  });

  function stream(ids: number[], options = {}) {
    const d = new StreamDecoder(qwen, options);
    const pieces = ids.map((id) => d.push(id));
    return { pieces, tail: d.flush() };
  }

  it('holds back a character split across byte tokens until it is complete', () => {
    const bytes = [...new TextEncoder().encode('👍中')];
    const { pieces, tail } = stream(bytes.map(byteId));
    expect(pieces).toEqual(['', '', '', '👍', '', '', '中']);
    expect(tail).toBe('');
  });

  it('never emits U+FFFD for valid text and reproduces decode() exactly', () => {
    for (const { text } of tokenizerCorpus()) {
      const ids = qwen.encode(text);
      const { pieces, tail } = stream(ids);
      if (!text.includes('\ufffd')) expect(pieces.some((p) => p.includes('\ufffd'))).toBe(false);
      expect(pieces.join('') + tail).toBe(qwen.decode(ids));
    }
  });

  it('equals decode() on random ids, bytes and control tokens included; the invalid tail becomes U+FFFD at flush', () => {
    const r = rng(11);
    for (let n = 0; n < 400; n++) {
      const ids = Array.from({ length: 1 + Math.floor(r() * 30) }, () => {
        const c = r();
        if (c < 0.5) return byteId(0x80 + Math.floor(r() * 0x80));
        if (c < 0.6) return 151643 + Math.floor(r() * 26);
        return Math.floor(r() * qwen.vocabSize);
      });
      for (const skipSpecial of [false, true]) {
        const { pieces, tail } = stream(ids, { skipSpecial });
        expect(pieces.join('') + tail).toBe(qwen.decode(ids, { skipSpecial }));
      }
    }
    const { pieces, tail } = stream([byteId(0xe4), byteId(0xb8)]);
    expect(pieces).toEqual(['', '']);
    expect(tail).toBe('\ufffd');
  });

  it('leaves out control tokens with skipSpecial, keeps USER_DEFINED ones', () => {
    const ids = qwen.encode('<|im_start|>a<think>b<|im_end|>');
    expect(stream(ids, { skipSpecial: true }).pieces.join('')).toBe('a<think>b');
    expect(qwen.tokenType(qwen.tokenToId('<think>')!)).toBe(TOKEN_TYPE.USER_DEFINED);
  });

  it('names an out-of-range id', () => {
    expectError(() => new StreamDecoder(qwen).push(qwen.vocabSize), 'INVALID_ARGUMENT', /token id 151669/);
  });
});

describe('GGUF metadata', () => {
  const kv = {
    'tokenizer.ggml.model': 'gpt2',
    'tokenizer.ggml.pre': 'qwen2',
    'tokenizer.ggml.tokens': [...BYTE_CHARS, 'ab', '<s>', '</s>', '[PAD259]'],
    'tokenizer.ggml.token_type': Int32Array.from([...Array(257).fill(1), 3, 3, 5]),
    'tokenizer.ggml.merges': ['a b'],
    'tokenizer.ggml.bos_token_id': 257,
    'tokenizer.ggml.eos_token_id': 258,
    'tokenizer.ggml.add_bos_token': true,
    'tokenizer.chat_template': '{{ bos_token }}',
  };

  it('reads the tokenizer keys from a plain object or the reader’s map of typed values', () => {
    const asMap = new Map(Object.entries(kv).map(([k, value]) => [k, { type: 'x', value }]));
    for (const source of [kv, asMap]) {
      const t = tokenizerFromGguf(ggufTokenizerMeta(source));
      expect(t.encode('ab<s>', { addSpecial: true })).toEqual([257, 256, 257]);
      expect(t.decode([257, 256, 258, 259])).toBe('<s>ab</s>');
      expect(t.decode([257, 256, 258], { skipSpecial: true })).toBe('ab');
      expect(t.chatTemplate).toBe('{{ bos_token }}');
      expect([...t.eogIds]).toEqual([258]);
    }
  });

  it('refuses what it cannot tokenize, naming the field', () => {
    expectError(() => tokenizerFromGguf({ ...ggufTokenizerMeta(kv), model: 'llama' }), 'MODEL_FORMAT', /"llama"/);
    expectError(() => tokenizerFromGguf({ ...ggufTokenizerMeta(kv), pre: 'falcon3' }), 'MODEL_FORMAT', /falcon3/);
    expectError(() => tinyTokenizer([], ['a zz']), 'MODEL_FORMAT', /merge 0 "a zz"/);
    expectError(() => tokenizerFromGguf({ pre: 'qwen2', tokens: ['a', 'b'], merges: [] }), 'MODEL_FORMAT', /byte 0x0/);
    expectError(() => tinyTokenizer([], [], { bosId: 9999 }), 'MODEL_FORMAT', /bos token id 9999/);
    expectError(() => tinyTokenizer([], [], { tokenTypes: [1] }), 'MODEL_FORMAT', /token_type has 1 entries/);
    expectError(() => ggufTokenizerMeta({}), 'MODEL_FORMAT', /tokenizer\.ggml\.tokens/);
  });
});

describe('bad input', () => {
  const t = tinyTokenizer([], []);

  it('rejects text with a lone surrogate, naming its index', () => {
    expectError(() => t.encode('ok\ud800!'), 'INVALID_ARGUMENT', /lone surrogate at index 2/);
    expect(t.decode(t.encode('ok😀!'))).toBe('ok😀!');
  });

  it('names the position of an out-of-range or non-integer id', () => {
    expectError(() => t.decode([1, 2, 256]), 'INVALID_ARGUMENT', /token id 256 at position 2/);
    expectError(() => t.decode([1, -1]), 'INVALID_ARGUMENT', /token id -1 at position 1/);
    expectError(() => t.decode([1.5]), 'INVALID_ARGUMENT', /position 0/);
  });

  it('strict decode names the token whose bytes are not UTF-8; lenient decode writes U+FFFD', () => {
    const ids = [...'ab'].map((c) => t.tokenToId(c)!).concat([t.tokenToId(BYTE_CHARS[0xe4]!)!, t.tokenToId('c')!]);
    expect(t.decode(ids)).toBe('ab\ufffdc');
    expectError(() => t.decode(ids, { strict: true }), 'INVALID_ARGUMENT', /byte 2 \(from the token at position 2\)/);
    expect(t.decode(ids.slice(0, 2), { strict: true })).toBe('ab');
  });
});
