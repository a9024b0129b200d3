/** Download/verify progress: bytes, rate over this call, and time left; at most ~10 reports a second. */

export interface DownloadProgress {
  phase: 'download' | 'verify';
  /** Bytes done in this phase, counting chunks stored by earlier, interrupted downloads. */
  bytesDone: number;
  bytesTotal: number;
  /** Over the bytes moved in this phase of this call (0 until some have). */
  bytesPerSecond: number;
  /** (bytesTotal - bytesDone) / bytesPerSecond; Infinity while the rate is unknown. */
  etaSeconds: number;
}

export type ProgressCallback = (progress: DownloadProgress) => void;

const MIN_INTERVAL_MS = 100;

export class Meter {
  private moved = 0;
  private readonly began = performance.now();
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly phase: DownloadProgress['phase'],
    private readonly total: number,
    private done: number,
    private readonly report: ProgressCallback | undefined,
  ) {}

  /** `bytes` more done; reports when `force` or enough time has passed. */
  add(bytes: number, force = false): void {
    this.done += bytes;
    this.moved += bytes;
    this.emit(force);
  }

  /** Restarts the count at `done` (after a retry dropped a partial chunk). */
  reset(done: number): void {
    this.done = done;
  }

  emit(force = true): void {
    const now = performance.now();
    if (!this.report || (!force && now - this.last < MIN_INTERVAL_MS)) return;
    this.last = now;
    const seconds = (now - this.began) / 1000;
    const bytesPerSecond = seconds > 0 ? this.moved / seconds : 0;
    const left = this.total - this.done;
    const etaSeconds = left <= 0 ? 0 : bytesPerSecond > 0 ? left / bytesPerSecond : Number.POSITIVE_INFINITY;
    this.report({ phase: this.phase, bytesDone: this.done, bytesTotal: this.total, bytesPerSecond, etaSeconds });
  }
}
