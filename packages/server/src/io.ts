/**
 * Where a command writes: results to stdout, everything else (progress,
 * stats, errors) to stderr, so `--json` output can be piped as it is.
 */
export interface Io {
  /** Results: JSON, generated text, ids. */
  out(text: string): void;
  /** Diagnostics: progress, stats, error messages. */
  err(text: string): void;
  outIsTty: boolean;
  errIsTty: boolean;
}

export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    outIsTty: process.stdout.isTTY === true,
    errIsTty: process.stderr.isTTY === true,
  };
}

/** Resolves once everything written so far has left the process (before process.exit). */
export function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
