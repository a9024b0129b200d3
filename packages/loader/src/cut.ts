/**
 * Cuts a remote's body into chunks: reads bytes [first·C, end of chunk last)
 * and hands each wanted chunk, whole, to `onChunk` (awaited, so storage writes
 * pace the network). A server that ignores Range sends from byte 0: the bytes
 * before the run, and chunks already held, are read past without storing.
 */
import { loaderError, networkError, throwIfAborted, type Where } from './errors.ts';
import type { Remote } from './remote.ts';
import { sha256Hex } from './sha256.ts';
import { chunkLength, type Manifest, type WeightStore } from './store.ts';

export interface Run {
  first: number;
  last: number;
}

export interface CutOptions {
  wanted(index: number): boolean;
  onChunk(index: number, bytes: Uint8Array): Promise<void>;
  /** Bytes of wanted chunks as they arrive (progress). */
  onBytes?(bytes: number): void;
  signal?: AbortSignal;
}

export async function cutRun(where: Where, m: Manifest, remote: Remote, run: Run, o: CutOptions): Promise<void> {
  const C = m.chunkBytes;
  const end = Math.min((run.last + 1) * C, m.bytes);
  const body = await remote.open(run.first * C, end);
  let pos = body.from;
  let buffer: Uint8Array | undefined;
  try {
    for await (const piece of body.pieces) {
      for (let p = 0; p < piece.byteLength && pos < end; ) {
        const k = Math.floor(pos / C);
        const within = pos - k * C;
        const length = chunkLength(m, k);
        const take = Math.min(piece.byteLength - p, length - within);
        if (k >= run.first && o.wanted(k)) {
          if (within === 0) buffer = new Uint8Array(length);
          buffer!.set(piece.subarray(p, p + take), within);
          o.onBytes?.(take);
          if (within + take === length) {
            await o.onChunk(k, buffer!);
            buffer = undefined;
          }
        }
        pos += take;
        p += take;
      }
      if (pos >= end) break;
      throwIfAborted(where, o.signal);
    }
  } finally {
    // Stops a body read only partly (a run ends before the file does; a server that ignored Range).
    await body.cancel();
  }
  if (pos < end) {
    throw networkError(where, `connection closed at byte ${pos}, before byte ${end}`, true, { at: pos, end });
  }
}

/** Consecutive indices grouped into runs: one request each. */
export function runsOf(indices: number[]): Run[] {
  const runs: Run[] = [];
  for (const k of indices) {
    const run = runs.at(-1);
    if (run && run.last === k - 1) run.last = k;
    else runs.push({ first: k, last: k });
  }
  return runs;
}

/** Fetches chunk k again (one Range request), checks it against the committed hash if any, stores it. */
export async function refetchChunk(
  where: Where,
  m: Manifest,
  store: WeightStore,
  remote: Remote,
  k: number,
  signal?: AbortSignal,
): Promise<{ bytes: Uint8Array; sha256: string }> {
  let got: { bytes: Uint8Array; sha256: string } | undefined;
  await cutRun(
    where,
    m,
    remote,
    { first: k, last: k },
    {
      wanted: (i) => i === k,
      onChunk: async (_, bytes) => {
        got = { bytes, sha256: await sha256Hex(bytes) };
      },
      ...(signal ? { signal } : {}),
    },
  );
  const expected = m.chunkSha256?.[k];
  if (expected !== undefined && got!.sha256 !== expected) {
    throw loaderError(
      'MODEL_FORMAT',
      where,
      `chunk ${k} as refetched does not match the committed SHA-256: the file changed`,
      {
        chunk: k,
        expected,
        actual: got!.sha256,
      },
    );
  }
  await store.putChunk(m.id, k, got!);
  return got!;
}
