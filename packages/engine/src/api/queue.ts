/**
 * A stream's chunks between the producer (the generation, run by the
 * scheduler) and the consumer (`for await`). The producer never waits for the
 * consumer, so a consumer that stops reading cannot hold the model; one that
 * leaves the loop early (`break`, `return()`) cancels the generation.
 */
export class ChunkQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #ended = false;
  #error: unknown;
  #failed = false;
  #wake: (() => void) | undefined;
  #iterated = false;

  constructor(private readonly onCancel: () => void = () => {}) {}

  push(item: T): void {
    if (this.#ended) return;
    this.#items.push(item);
    this.#signal();
  }

  end(): void {
    this.#ended = true;
    this.#signal();
  }

  fail(error: unknown): void {
    if (this.#ended) return;
    this.#error = error;
    this.#failed = true;
    this.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#iterated) throw new TypeError('a completion stream can be iterated only once');
    this.#iterated = true;
    return {
      next: () => this.#next(),
      return: async () => {
        if (!this.#ended) this.onCancel();
        this.#ended = true;
        this.#items.length = 0;
        return { done: true, value: undefined };
      },
    };
  }

  async #next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.#items.length > 0) return { done: false, value: this.#items.shift()! };
      if (this.#ended) {
        if (this.#failed) {
          this.#failed = false;
          throw this.#error;
        }
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
