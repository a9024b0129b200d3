/**
 * One model, one KV cache: requests run one at a time, in the order they
 * were submitted, never interleaved. A job holds the model from its start
 * until its promise settles (a stream holds it until its last token).
 */
export class Scheduler {
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  /** Jobs submitted and not yet started. */
  get waiting(): number {
    return this.#waiting;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    this.#waiting++;
    const result = this.#tail.then(() => {
      this.#waiting--;
      return job();
    });
    // The next job waits for this one to settle, whatever its outcome.
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every job submitted so far has settled. */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined);
  }
}
