/**
 * DeepSeek-R1 style output → `{reasoning_content, content}` as DeepSeek's API
 * returns it. The model writes `<think>\n…\n</think>\n\nanswer`; the R1-Distill
 * chat template already ends the prompt with `<think>\n`, so the output then
 * starts inside the reasoning and only `</think>` appears.
 *
 * Rules (the streaming splitter gives the same result for any cut into deltas):
 * - an opening `<think>` (after optional whitespace) at the start is dropped;
 * - reasoning runs to `</think>`; newlines right after the opener and right
 *   before `</think>` are dropped, as are newlines right after `</think>`;
 * - no opener and not `startInReasoning`: everything is content, untouched,
 *   and reasoning_content is null;
 * - `</think>` never arrives: everything after the opener is reasoning.
 */

export interface ReasoningSplit {
  reasoning_content: string | null;
  content: string;
}

export interface ReasoningOptions {
  /** The prompt ended inside a `<think>` block (see promptOpensReasoning). */
  startInReasoning?: boolean;
}

const OPEN = '<think>';
const CLOSE = '</think>';

/** Whether a rendered prompt leaves the model inside a reasoning block (ends with `<think>` and whitespace). */
export function promptOpensReasoning(prompt: string): boolean {
  return /<think>\s*$/.test(prompt);
}

export function splitReasoning(text: string, { startInReasoning = false }: ReasoningOptions = {}): ReasoningSplit {
  const opener = /^\s*<think>/.exec(text);
  if (!opener && !startInReasoning) return { reasoning_content: null, content: text };
  const rest = opener ? text.slice(opener[0].length) : text;
  const end = rest.indexOf(CLOSE);
  if (end < 0) return { reasoning_content: rest.replace(/^\n+/, ''), content: '' };
  return {
    reasoning_content: rest.slice(0, end).replace(/^\n+/, '').replace(/\n+$/, ''),
    content: rest.slice(end + CLOSE.length).replace(/^\n+/, ''),
  };
}

export interface ReasoningDelta {
  reasoning?: string;
  content?: string;
}

type State = 'opening' | 'reasoningStart' | 'reasoning' | 'contentStart' | 'content';

/** Streaming form of splitReasoning: push text deltas, get reasoning/content deltas; flush at the end. */
export class ReasoningStream {
  readonly #startInReasoning: boolean;
  #state: State = 'opening';
  /** text not yet classified: a possible opener, a possible `</think>` prefix, trailing newlines */
  #held = '';

  constructor({ startInReasoning = false }: ReasoningOptions = {}) {
    this.#startInReasoning = startInReasoning;
  }

  push(delta: string): ReasoningDelta {
    const out: ReasoningDelta = {};
    this.#held += delta;
    this.#advance(out, false);
    return out;
  }

  /** Whatever was held back, classified as if the text ended here. */
  flush(): ReasoningDelta {
    const out: ReasoningDelta = {};
    this.#advance(out, true);
    return out;
  }

  #advance(out: ReasoningDelta, end: boolean): void {
    for (;;) {
      const before = this.#state;
      if (before === 'opening') this.#opening(out, end);
      else if (before === 'reasoningStart' || before === 'contentStart') this.#skipNewlines(end);
      else if (before === 'reasoning') this.#reasoning(out, end);
      else this.#emit(out, 'content', this.#take(this.#held.length));
      if (this.#state === before) return;
    }
  }

  #opening(out: ReasoningDelta, end: boolean): void {
    const text = this.#held;
    const lead = text.length - text.trimStart().length;
    const body = text.slice(lead);
    if (body.startsWith(OPEN)) {
      this.#take(lead + OPEN.length);
      this.#state = 'reasoningStart';
    } else if (!end && OPEN.startsWith(body)) {
      return; // whitespace and maybe the start of `<think>`: wait
    } else if (this.#startInReasoning) {
      this.#state = 'reasoningStart';
    } else {
      this.#emit(out, 'content', this.#take(text.length));
      this.#state = 'content';
    }
  }

  #skipNewlines(end: boolean): void {
    const n = this.#held.length - this.#held.replace(/^\n+/, '').length;
    this.#take(n);
    if (this.#held.length > 0 || end) this.#state = this.#state === 'reasoningStart' ? 'reasoning' : 'content';
  }

  #reasoning(out: ReasoningDelta, end: boolean): void {
    const text = this.#held;
    const close = text.indexOf(CLOSE);
    if (close >= 0) {
      this.#emit(out, 'reasoning', text.slice(0, close).replace(/\n+$/, ''));
      this.#take(close + CLOSE.length);
      this.#state = 'contentStart';
      return;
    }
    const keep = end ? 0 : heldTail(text);
    this.#emit(out, 'reasoning', this.#take(text.length - keep));
  }

  #take(n: number): string {
    const head = this.#held.slice(0, n);
    this.#held = this.#held.slice(n);
    return head;
  }

  #emit(out: ReasoningDelta, field: 'reasoning' | 'content', text: string): void {
    if (text.length > 0) out[field] = (out[field] ?? '') + text;
  }
}

/** Length of the tail to hold back: trailing newlines plus any proper prefix of `</think>` after them. */
function heldTail(text: string): number {
  let partial = 0;
  for (let k = Math.min(CLOSE.length - 1, text.length); k > 0; k--) {
    if (text.endsWith(CLOSE.slice(0, k))) {
      partial = k;
      break;
    }
  }
  let i = text.length - partial;
  while (i > 0 && text[i - 1] === '\n') i--;
  return text.length - i;
}
