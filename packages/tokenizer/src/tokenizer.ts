/**
 * Byte-level BPE tokenizer (GPT-2 family: Qwen2, Llama 3, DeepSeek). Text →
 * added tokens matched first → per-section normalization → regex pieces →
 * UTF-8 bytes → merges by rank → ids. Built from a `VocabSpec`, which both the
 * GGUF and the HF tokenizer.json loaders produce.
 */
import { RuntimeError } from '@webseek/api';
import { MergeTable, mergeWord } from './bpe.ts';
import {
  BYTE_TO_CHAR,
  byteLevelToBytes,
  bytesToByteLevel,
  encodeUtf8Into,
  invalidUtf8At,
  loneSurrogateAt,
  utf8,
} from './bytes.ts';
import { IGNORE_MERGES_PRE, PreTokenizer, prePatterns } from './pretokenize.ts';
import { AddedTokenMatcher } from './specials.ts';

/** llama.cpp's token types (`tokenizer.ggml.token_type`). */
export const TOKEN_TYPE = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

export interface VocabSpec {
  /** id → token: NORMAL tokens in GPT-2 byte-level spelling ('Ġthe'), added tokens literally ('<think>'). */
  tokens: readonly string[];
  /** Merges in rank order, 'left right' or [left, right]. */
  merges: readonly (string | readonly [string, string])[];
  /** id → TOKEN_TYPE; absent means every token is NORMAL. */
  tokenTypes?: ArrayLike<number>;
  /** llama.cpp pre-tokenizer name ('qwen2', 'llama-bpe', 'deepseek-r1-qwen', …). */
  pre: string;
  /** Oniguruma split patterns applied in sequence; default: those of `pre`. */
  prePatterns?: readonly string[];
  /** Use a whole piece's own token when the vocabulary has it, before merging (HF `ignore_merges`; Llama 3). */
  ignoreMerges?: boolean;
  /** Unicode normalization of text between added tokens (HF Qwen2 tokenizer.json says NFC; llama.cpp applies none). */
  normalize?: 'NFC' | null;
  bosId?: number | null;
  eosId?: number | null;
  /** End of turn, when the vocabulary has one distinct from EOS (Llama 3 `<|eot_id|>`). */
  eotId?: number | null;
  padId?: number | null;
  /** Whether `encode(…, {addSpecial: true})` prepends BOS / appends EOS. */
  addBos?: boolean;
  addEos?: boolean;
  /** Jinja chat template (`tokenizer.chat_template`). */
  chatTemplate?: string | null;
}

export interface EncodeOptions {
  /** Prepend BOS / append EOS as the vocabulary asks (default false: chat prompts already carry BOS as text). */
  addSpecial?: boolean;
  /** Match CONTROL token strings in the text (default true, as llama.cpp's parse_special and HF do); USER_DEFINED ones always match. */
  parseSpecial?: boolean;
}

export interface DecodeOptions {
  /** Leave out CONTROL tokens (BOS, EOS, `<｜User｜>`…). */
  skipSpecial?: boolean;
  /** Throw INVALID_ARGUMENT when the bytes are not valid UTF-8, instead of writing U+FFFD. */
  strict?: boolean;
}

/** Token strings llama.cpp also treats as end-of-generation when the vocabulary has them. */
const EOG_TEXTS = [
  '<|eot_id|>',
  '<|eom_id|>',
  '<|im_end|>',
  '<|end_of_text|>',
  '<|endoftext|>',
  '<|EOT|>',
  '<｜end▁of▁sentence｜>',
];
const CACHE_LIMIT = 100_000;
const CACHE_PIECE_CHARS = 256;

export class Tokenizer {
  readonly vocabSize: number;
  readonly pre: string;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly eotId: number | null;
  readonly padId: number | null;
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly chatTemplate: string | null;
  readonly ignoreMerges: boolean;
  readonly normalize: 'NFC' | null;
  /** Every id that ends generation (EOS, EOT and the known end-of-turn strings present in the vocabulary). */
  readonly eogIds: ReadonlySet<number>;

  readonly #tokens: readonly string[];
  /** (vocabSize) TOKEN_TYPE */
  readonly #types: Uint8Array;
  /** NORMAL tokens: byte-level spelling → id */
  readonly #vocab = new Map<string, number>();
  /** added (CONTROL / USER_DEFINED / UNKNOWN) tokens: literal text → id */
  readonly #addedIds = new Map<string, number>();
  readonly #merges: MergeTable;
  /** (256) byte → id of its single-byte token */
  readonly #byteIds = new Int32Array(256);
  readonly #preTokenizer: PreTokenizer;
  readonly #matcher = new AddedTokenMatcher();
  /** concatenated bytes of every token; token i is #bytes[#offsets[i] .. #offsets[i+1]) */
  readonly #bytes: Uint8Array;
  /** (vocabSize + 1) */
  readonly #offsets: Uint32Array;
  readonly #cache = new Map<string, number | Int32Array>();
  readonly #utf8 = { bytes: new Uint8Array(256) };
  #syms = new Int32Array(256);
  #out: number[] = [];
  readonly #emit = (piece: string) => this.#encodePiece(piece);

  constructor(spec: VocabSpec) {
    const n = spec.tokens.length;
    if (n === 0) throw formatError('the vocabulary has no tokens');
    this.vocabSize = n;
    this.pre = spec.pre;
    this.#tokens = spec.tokens;
    this.#types = readTypes(spec.tokenTypes, n);
    this.bosId = checkId(spec.bosId, n, 'bos');
    this.eosId = checkId(spec.eosId, n, 'eos');
    this.eotId = checkId(spec.eotId, n, 'eot');
    this.padId = checkId(spec.padId, n, 'padding');
    this.addBos = spec.addBos ?? false;
    this.addEos = spec.addEos ?? false;
    this.chatTemplate = spec.chatTemplate ?? null;
    this.ignoreMerges = spec.ignoreMerges ?? IGNORE_MERGES_PRE.has(spec.pre);
    this.normalize = spec.normalize ?? null;
    this.#preTokenizer = new PreTokenizer(spec.prePatterns ?? prePatterns(spec.pre));
    this.#indexTokens();
    this.#merges = this.#buildMerges(spec.merges);
    ({ bytes: this.#bytes, offsets: this.#offsets } = this.#tokenBytesTable());
    this.eogIds = this.#eogIds();
  }

  /** Token ids of `text`. Lone surrogates (text with no UTF-8 form) → INVALID_ARGUMENT. */
  encode(text: string, { addSpecial = false, parseSpecial = true }: EncodeOptions = {}): number[] {
    const bad = loneSurrogateAt(text);
    if (bad >= 0) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        `text has a lone surrogate at index ${bad}; it has no UTF-8 encoding`,
        {
          details: { index: bad },
        },
      );
    }
    const out: number[] = [];
    this.#out = out;
    if (addSpecial && this.addBos && this.bosId !== null) out.push(this.bosId);
    let at = 0;
    for (const m of this.#matcher.find(text, parseSpecial)) {
      if (m.start > at) this.#encodeSection(text.slice(at, m.start));
      out.push(m.id);
      at = m.end;
    }
    if (at < text.length) this.#encodeSection(at === 0 ? text : text.slice(at));
    if (addSpecial && this.addEos && this.eosId !== null) out.push(this.eosId);
    return out;
  }

  /** Text of `ids`; bytes that are not valid UTF-8 become U+FFFD (or throw with `strict`). */
  decode(ids: ArrayLike<number>, { skipSpecial = false, strict = false }: DecodeOptions = {}): string {
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < this.vocabSize && Number.isInteger(id))) this.#checkToken(id, i);
      if (!(skipSpecial && this.#types[id] === TOKEN_TYPE.CONTROL))
        total += this.#offsets[id + 1]! - this.#offsets[id]!;
    }
    const buf = new Uint8Array(total);
    /** (ids.length + 1) where each token's bytes start in buf, for naming the culprit in strict mode */
    const starts = strict ? new Uint32Array(ids.length + 1) : undefined;
    const bytes = this.#bytes;
    const offsets = this.#offsets;
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (starts) starts[i] = at;
      if (skipSpecial && this.#types[id] === TOKEN_TYPE.CONTROL) continue;
      // Tokens are a few bytes: a plain loop beats a subarray + set per token.
      for (let k = offsets[id]!, end = offsets[id + 1]!; k < end; k++) buf[at++] = bytes[k]!;
    }
    if (starts) {
      starts[ids.length] = at;
      checkUtf8(buf, starts);
    }
    return DECODER.decode(buf);
  }

  /** Raw bytes token `id` stands for (a view: do not modify). CONTROL tokens give their text, UNUSED ones nothing. */
  tokenBytes(id: number): Uint8Array {
    this.#checkToken(id, 0);
    return this.#bytes.subarray(this.#offsets[id]!, this.#offsets[id + 1]!);
  }

  /** The vocabulary's spelling of token `id` ('Ġthe', '<think>'). */
  idToToken(id: number): string | undefined {
    return this.#tokens[id];
  }

  /** Id of an added token's literal text, or of a NORMAL token's byte-level spelling. */
  tokenToId(token: string): number | undefined {
    return this.#addedIds.get(token) ?? this.#vocab.get(token);
  }

  tokenType(id: number): number {
    return this.#types[this.#checkToken(id, 0)]!;
  }

  /** A CONTROL token: BOS, EOS, `<｜User｜>`, reserved slots — the ones `skipSpecial` leaves out. */
  isControl(id: number): boolean {
    return this.tokenType(id) === TOKEN_TYPE.CONTROL;
  }

  isEog(id: number): boolean {
    return this.eogIds.has(id);
  }

  /** Forgets cached piece encodings (they are bounded anyway: at most 100k pieces of ≤ 256 chars). */
  clearCache(): void {
    this.#cache.clear();
  }

  #encodeSection(section: string): void {
    if (this.normalize === 'NFC' && MAY_CHANGE_UNDER_NFC.test(section)) section = section.normalize('NFC');
    this.#preTokenizer.split(section, this.#emit);
  }

  #encodePiece(piece: string): void {
    const out = this.#out;
    const hit = this.#cache.get(piece);
    if (hit !== undefined) {
      if (typeof hit === 'number') out.push(hit);
      else for (let i = 0; i < hit.length; i++) out.push(hit[i]!);
      return;
    }
    const result = this.#bpe(piece);
    if (piece.length <= CACHE_PIECE_CHARS) {
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
      this.#cache.set(piece, result);
    }
    if (typeof result === 'number') out.push(result);
    else for (let i = 0; i < result.length; i++) out.push(result[i]!);
  }

  #bpe(piece: string): number | Int32Array {
    const n = encodeUtf8Into(piece, this.#utf8);
    const bytes = this.#utf8.bytes;
    if (this.ignoreMerges) {
      const whole = this.#vocab.get(bytesToByteLevel(bytes, n));
      if (whole !== undefined) return whole;
    }
    if (this.#syms.length < n) this.#syms = new Int32Array(n * 2);
    const syms = this.#syms;
    for (let i = 0; i < n; i++) syms[i] = this.#byteIds[bytes[i]!]!;
    const m = mergeWord(this.#merges, syms, n);
    return m === 1 ? syms[0]! : syms.slice(0, m);
  }

  #checkToken(id: number, position: number): number {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        `token id ${id} at position ${position} is outside the vocabulary (0..${this.vocabSize - 1})`,
        { details: { id, position, vocabSize: this.vocabSize } },
      );
    }
    return id;
  }

  #indexTokens(): void {
    const types = this.#types;
    for (let id = 0; id < this.vocabSize; id++) {
      const token = this.#tokens[id]!;
      const type = types[id];
      if (type === TOKEN_TYPE.NORMAL) {
        if (!this.#vocab.has(token)) this.#vocab.set(token, id);
      } else if (type === TOKEN_TYPE.CONTROL || type === TOKEN_TYPE.USER_DEFINED || type === TOKEN_TYPE.UNKNOWN) {
        this.#addedIds.set(token, id);
        this.#matcher.add(token, id, type === TOKEN_TYPE.USER_DEFINED);
      }
    }
    for (let b = 0; b < 256; b++) {
      const id = this.#vocab.get(String.fromCharCode(BYTE_TO_CHAR[b]!));
      if (id === undefined)
        throw formatError(`the vocabulary has no token for byte 0x${b.toString(16)}; not a byte-level BPE vocabulary`);
      this.#byteIds[b] = id;
    }
  }

  #buildMerges(merges: VocabSpec['merges']): MergeTable {
    const table = new MergeTable(merges.length);
    merges.forEach((merge, i) => {
      let left: string;
      let right: string;
      if (typeof merge === 'string') {
        const space = merge.indexOf(' ', 1);
        left = merge.slice(0, space);
        right = merge.slice(space + 1);
        if (space < 0) throw formatError(`merge ${i} "${merge}" is not "left right"`);
      } else [left, right] = merge;
      const a = this.#vocab.get(left);
      const b = this.#vocab.get(right);
      const ab = this.#vocab.get(left + right);
      if (a === undefined || b === undefined || ab === undefined) {
        throw formatError(`merge ${i} "${left} ${right}" names a token the vocabulary does not have`);
      }
      table.add(a, b, ab);
    });
    return table;
  }

  #tokenBytesTable(): { bytes: Uint8Array; offsets: Uint32Array } {
    const parts: Uint8Array[] = [];
    const offsets = new Uint32Array(this.vocabSize + 1);
    let total = 0;
    for (let id = 0; id < this.vocabSize; id++) {
      const part = tokenBytesOf(this.#tokens[id]!, this.#types[id]!);
      parts.push(part);
      total += part.length;
      offsets[id + 1] = total;
    }
    const bytes = new Uint8Array(total);
    parts.forEach((p, id) => {
      bytes.set(p, offsets[id]!);
    });
    return { bytes, offsets };
  }

  #eogIds(): Set<number> {
    const ids = new Set<number>();
    for (const id of [this.eosId, this.eotId]) if (id !== null) ids.add(id);
    for (const text of EOG_TEXTS) {
      const id = this.#addedIds.get(text);
      if (id !== undefined) ids.add(id);
    }
    return ids;
  }
}

/** Only text with a code point ≥ U+0300 (combining marks and beyond) can change under NFC. */
const MAY_CHANGE_UNDER_NFC = /[\u0300-\u{10ffff}]/u;
const DECODER = new TextDecoder('utf-8', { ignoreBOM: true });

function tokenBytesOf(token: string, type: number): Uint8Array {
  switch (type) {
    case TOKEN_TYPE.NORMAL:
      return byteLevelToBytes(token);
    case TOKEN_TYPE.BYTE: {
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
      return m ? Uint8Array.of(Number.parseInt(m[1]!, 16)) : utf8(token);
    }
    case TOKEN_TYPE.UNUSED:
      return new Uint8Array(0);
    default:
      return utf8(token);
  }
}

function readTypes(types: ArrayLike<number> | undefined, n: number): Uint8Array {
  if (types === undefined) return new Uint8Array(n).fill(TOKEN_TYPE.NORMAL);
  if (types.length !== n) throw formatError(`token_type has ${types.length} entries for ${n} tokens`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const t = types[i]!;
    if (!(t >= TOKEN_TYPE.NORMAL && t <= TOKEN_TYPE.BYTE)) throw formatError(`token ${i} has unknown type ${t}`);
    out[i] = t;
  }
  return out;
}

function checkId(id: number | null | undefined, n: number, what: string): number | null {
  if (id === undefined || id === null) return null;
  if (!Number.isInteger(id) || id < 0 || id >= n)
    throw formatError(`${what} token id ${id} is outside the vocabulary (0..${n - 1})`);
  return id;
}

function checkUtf8(buf: Uint8Array, starts: Uint32Array): void {
  const bad = invalidUtf8At(buf);
  if (bad < 0) return;
  let position = 0;
  while (starts[position + 1]! <= bad) position++;
  throw new RuntimeError(
    'INVALID_ARGUMENT',
    `decoded bytes are not valid UTF-8 at byte ${bad} (from the token at position ${position})`,
    { details: { byte: bad, position } },
  );
}

function formatError(message: string): RuntimeError {
  return new RuntimeError('MODEL_FORMAT', `tokenizer: ${message}`);
}
