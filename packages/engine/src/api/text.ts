/**
 * Generated ids → text deltas: detokenize (never half a UTF-8 sequence, no
 * control tokens), cut at stop strings, then split R1 reasoning from the
 * answer (`<think>…</think>`; the R1 chat template's generation prompt
 * already opens the block).
 */
import { ReasoningStream, StreamDecoder, type Tokenizer } from '@webseek/tokenizer';
import { StopMatcher } from './stop.ts';

export interface TextDelta {
  reasoning?: string;
  content?: string;
}

export interface TextOptions {
  stop: readonly string[];
  /** Split reasoning_content from content (chat completions). */
  splitReasoning: boolean;
  /** The prompt ends inside a `<think>` block. */
  startInReasoning: boolean;
}

export class TextPipeline {
  readonly #decoder: StreamDecoder;
  readonly #stop: StopMatcher;
  readonly #reasoning: ReasoningStream | undefined;
  #stopped = false;

  constructor(tokenizer: Tokenizer, o: TextOptions) {
    this.#decoder = new StreamDecoder(tokenizer, { skipSpecial: true });
    this.#stop = new StopMatcher(o.stop);
    this.#reasoning = o.splitReasoning ? new ReasoningStream({ startInReasoning: o.startInReasoning }) : undefined;
  }

  /** The delta token `id` completes; `stopped` once a stop string has appeared. */
  push(id: number): { delta: TextDelta; stopped: boolean } {
    const { text, stopped } = this.#stop.push(this.#decoder.push(id));
    this.#stopped = stopped;
    return { delta: this.#route(text, false), stopped };
  }

  /** Whatever was held back (a partial UTF-8 sequence, a possible stop string, trailing newlines). */
  finish(): TextDelta {
    let text = '';
    if (!this.#stopped) {
      const last = this.#stop.push(this.#decoder.flush());
      text = last.text + (last.stopped ? '' : this.#stop.flush());
    }
    return this.#route(text, true);
  }

  #route(text: string, end: boolean): TextDelta {
    if (!this.#reasoning) return text ? { content: text } : {};
    const d = this.#reasoning.push(text);
    if (!end) return d;
    const tail = this.#reasoning.flush();
    return joinDeltas(d, tail);
  }
}

export function joinDeltas(a: TextDelta, b: TextDelta): TextDelta {
  const out: TextDelta = {};
  const reasoning = (a.reasoning ?? '') + (b.reasoning ?? '');
  const content = (a.content ?? '') + (b.content ?? '');
  if (reasoning) out.reasoning = reasoning;
  if (content) out.content = content;
  return out;
}

export function isEmptyDelta(d: TextDelta): boolean {
  return !d.reasoning && !d.content;
}
