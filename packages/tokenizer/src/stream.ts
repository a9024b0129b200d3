/**
 * Incremental detokenizer for streaming. A token can end inside a UTF-8
 * sequence (a CJK character or an emoji split across byte tokens); the
 * incomplete tail is held back until the next tokens complete it. The
 * concatenation of every push() and flush() equals tokenizer.decode(all ids).
 */
import type { Tokenizer } from './tokenizer.ts';

export interface StreamDecoderOptions {
  /** Leave out CONTROL tokens, as decode's skipSpecial. */
  skipSpecial?: boolean;
}

export class StreamDecoder {
  readonly #tokenizer: Tokenizer;
  readonly #skipSpecial: boolean;
  // WHATWG streaming decode holds back exactly the bytes that may still become
  // a valid sequence and replaces the rest by the same rules as one-shot decode.
  readonly #utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(tokenizer: Tokenizer, { skipSpecial = false }: StreamDecoderOptions = {}) {
    this.#tokenizer = tokenizer;
    this.#skipSpecial = skipSpecial;
  }

  /** Text that is complete after token `id` (possibly ''). Out-of-range ids → INVALID_ARGUMENT. */
  push(id: number): string {
    const bytes = this.#tokenizer.tokenBytes(id);
    if (this.#skipSpecial && this.#tokenizer.isControl(id)) return '';
    return this.#utf8.decode(bytes, { stream: true });
  }

  /** The held-back tail (an unfinished sequence becomes U+FFFD); the decoder is then empty and reusable. */
  flush(): string {
    return this.#utf8.decode();
  }
}
