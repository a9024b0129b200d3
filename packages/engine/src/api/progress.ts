/**
 * Load progress for people and progress bars: the phase, bytes, speed and
 * time left, and one fraction over the whole load. Reports are throttled to
 * about ten a second, except at phase changes and at the end.
 */
import type { LoadPhase, LoadProgress } from '@webseek/api';

const MIN_INTERVAL_MS = 100;

export class LoadMeter {
  readonly #report: ((p: LoadProgress) => void) | undefined;
  readonly #began = performance.now();
  #phase: LoadPhase | undefined;
  #phaseBegan = 0;
  #phaseStartBytes = 0;
  #fetched = false;
  #last = Number.NEGATIVE_INFINITY;

  constructor(report?: (p: LoadProgress) => void) {
    this.#report = report;
  }

  /** Bytes fetched (download, cache read) or hashed so far. */
  fetch(phase: 'download' | 'verify', bytesDone: number, bytesTotal: number): void {
    this.#fetched = true;
    this.#update(phase, bytesDone, bytesTotal);
  }

  /** Weight bytes uploaded to the device so far. */
  upload(bytesDone: number, bytesTotal: number): void {
    this.#update('upload', bytesDone, bytesTotal);
  }

  ready(bytesTotal: number): void {
    this.#update('ready', bytesTotal, bytesTotal);
  }

  #update(phase: LoadPhase, bytesDone: number, bytesTotal: number): void {
    if (!this.#report) return;
    const now = performance.now();
    const changed = phase !== this.#phase;
    if (changed) {
      this.#phase = phase;
      this.#phaseBegan = now;
      this.#phaseStartBytes = bytesDone;
    }
    const finished = bytesTotal > 0 && bytesDone >= bytesTotal;
    if (!changed && !finished && now - this.#last < MIN_INTERVAL_MS) return;
    this.#last = now;
    const seconds = (now - this.#phaseBegan) / 1000;
    const bytesPerSecond = seconds > 0 ? (bytesDone - this.#phaseStartBytes) / seconds : 0;
    const left = Math.max(0, bytesTotal - bytesDone);
    const etaSeconds = left === 0 && bytesTotal > 0 ? 0 : bytesPerSecond > 0 ? left / bytesPerSecond : null;
    const part = bytesTotal > 0 ? Math.min(1, bytesDone / bytesTotal) : 0;
    this.#report({
      phase,
      bytesDone,
      bytesTotal,
      fraction: this.#fraction(phase, part),
      bytesPerSecond,
      etaSeconds,
      elapsedSeconds: (now - this.#began) / 1000,
      text: describe(phase, part, bytesPerSecond, etaSeconds),
    });
  }

  /** Fetching is the first half and uploading the second when both happen; otherwise uploading is all of it. */
  #fraction(phase: LoadPhase, part: number): number {
    if (phase === 'ready') return 1;
    if (phase === 'upload') return this.#fetched ? 0.5 + part / 2 : part;
    return part / 2;
  }
}

function describe(phase: LoadPhase, part: number, bytesPerSecond: number, eta: number | null): string {
  if (phase === 'ready') return 'model ready';
  const verb = { download: 'fetching weights', verify: 'verifying weights', upload: 'uploading weights to the GPU' }[
    phase
  ];
  const rate = bytesPerSecond > 0 ? `${(bytesPerSecond / 1e6).toFixed(1)} MB/s` : '';
  const left = eta !== null && eta > 0 ? `${Math.ceil(eta)} s left` : '';
  const extra = [rate, left].filter(Boolean).join(', ');
  return `${verb} ${Math.floor(part * 100)}%${extra ? ` (${extra})` : ''}`;
}
