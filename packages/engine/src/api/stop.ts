/**
 * Stop strings on streamed text. Tokens split text anywhere, so a stop string
 * can arrive in pieces: text that could be the start of one is held back
 * until the next piece shows whether it is. Output ends just before the
 * first match to complete, which is left out (OpenAI's rule).
 */
export interface StopPush {
  /** Text now known not to be part of a stop string. */
  text: string;
  /** A stop string was found: nothing after it is emitted; stop generating. */
  stopped: boolean;
}

export class StopMatcher {
  readonly #stops: readonly string[];
  #held = '';
  #stopped = false;

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((s) => s.length > 0);
  }

  push(piece: string): StopPush {
    if (this.#stopped) return { text: '', stopped: true };
    const text = this.#held + piece;
    const at = this.#firstMatch(text);
    if (at >= 0) {
      this.#held = '';
      this.#stopped = true;
      return { text: text.slice(0, at), stopped: true };
    }
    const keep = this.#partialTail(text);
    this.#held = text.slice(text.length - keep);
    return { text: text.slice(0, text.length - keep), stopped: false };
  }

  /** At the end of generation: the held text was not a stop string after all. */
  flush(): string {
    const text = this.#held;
    this.#held = '';
    return this.#stopped ? '' : text;
  }

  /**
   * Start of the match that completes first (smallest end; on a tie the longer,
   * earlier one): what a token-by-token check finds, so the cut never depends
   * on how the text was split into pieces.
   */
  #firstMatch(text: string): number {
    let start = -1;
    let end = Number.POSITIVE_INFINITY;
    for (const s of this.#stops) {
      const i = text.indexOf(s);
      if (i < 0) continue;
      const e = i + s.length;
      if (e < end || (e === end && i < start)) {
        start = i;
        end = e;
      }
    }
    return start;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
  #partialTail(text: string): number {
    let longest = 0;
    for (const s of this.#stops) {
      for (let k = Math.min(s.length - 1, text.length); k > longest; k--) {
        if (text.endsWith(s.slice(0, k))) {
          longest = k;
          break;
        }
      }
    }
    return longest;
  }
}
