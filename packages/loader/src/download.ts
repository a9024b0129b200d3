/**
 * download(): the one path by which bytes enter a weight cache.
 *   1. probe the source (size, ETag, the hub's SHA-256); a changed file restarts
 *   2. quota: refuse before writing anything if the missing bytes do not fit
 *   3. fetch the missing chunks (Range requests, one per run of missing
 *      chunks), each stored whole with its SHA-256 as it completes; dropped
 *      connections resume from what is stored
 *   4. verify: re-read every chunk, check its hash (refetching a bad one),
 *      hash the whole file when its SHA-256 is known
 *   5. commit: only now is the manifest marked complete
 * A write that runs out of room removes the model's chunks (nothing half-written).
 */
import { isRuntimeError } from '@webseek/api';
import { type ByteSource, blobSource } from '@webseek/formats';
import { cutRun, refetchChunk, runsOf } from './cut.ts';
import { abortedError, isRetryable, loaderError, mib, throwIfAborted, type Where } from './errors.ts';
import { type CachedSource, type OpenOptions, openManifest } from './open.ts';
import { Meter, type ProgressCallback } from './progress.ts';
import { httpRemote, type Remote, sourceRemote } from './remote.ts';
import { Sha256, sha256Hex } from './sha256.ts';
import {
  anonymousBlob,
  type ModelSource,
  openPath,
  type ResolvedSource,
  resolveSource,
  type SourceOptions,
} from './source.ts';
import { chunkLength, type Manifest, type WeightStore } from './store.ts';

export const DEFAULT_CHUNK_BYTES = 8 << 20;

export interface DownloadOptions extends SourceOptions, OpenOptions {
  /** Cache id; default derived from the source (see resolveSource). */
  id?: string;
  /** Expected whole-file SHA-256 (hex). Checked before commit; for hub files the hub's is used when this is absent. */
  sha256?: string;
  /** Expected size: anything else is MODEL_FORMAT before a byte is stored. */
  bytes?: number;
  /** Chunk size for a new download (a resumed one keeps its own); default 8 MiB. */
  chunkBytes?: number;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Extra request headers (e.g. Authorization for gated repos). */
  headers?: Record<string, string>;
  /** Times a dropped connection / 5xx is retried within this call, resuming from the stored chunks; default 2. */
  retries?: number;
  /** First retry delay, doubled each time; default 500 ms. */
  retryDelayMs?: number;
  /** Re-hash every chunk of an already complete model (repairing bad ones) instead of trusting the commit. */
  reverify?: boolean;
}

/** What differs by platform: how `{path}` sources are opened (Node supplies node:fs). */
export interface LoaderEnv {
  openPath?: (path: string) => Promise<ByteSource>;
}

interface Job {
  where: Where;
  store: WeightStore;
  remote: Remote;
  o: DownloadOptions;
}

const persisted = new WeakSet<WeightStore>();

/**
 * Makes `source` available in `store` (downloading what is missing) and opens it.
 * A committed model opens with no network request, unless `reverify` is set or
 * `sha256` asks for a hash it was not committed with.
 */
export async function download(
  source: ModelSource,
  o: DownloadOptions,
  store: WeightStore,
  env: LoaderEnv = {},
): Promise<CachedSource> {
  const resolved = resolveSource(source, o);
  const id = o.id ?? resolved.id;
  if (id === undefined) throw anonymousBlob();
  return oneAtATime(store, id, () => downloadNow({ id, url: resolved.url }, resolved, o, store, env));
}

async function downloadNow(
  where: Where,
  resolved: ResolvedSource,
  o: DownloadOptions,
  store: WeightStore,
  env: LoaderEnv,
): Promise<CachedSource> {
  throwIfAborted(where, o.signal);
  const existing = await store.getManifest(where.id);
  const sameHash = !o.sha256 || existing?.sha256 === o.sha256.toLowerCase();
  if (existing?.complete && sameHash && !o.reverify) return openManifest(existing, store, o);
  const job: Job = { where, store, remote: remoteFor(resolved, where, o, env), o };
  try {
    let m = existing?.complete && sameHash ? existing : await retrying(job, () => prepare(job, existing));
    if (!m.complete) await retrying(job, () => fetchMissing(job, m));
    m = await verifyAndCommit(job, m);
    return openManifest(m, store, o);
  } catch (error) {
    throw await settleQuota(job, error);
  } finally {
    await job.remote.close?.();
  }
}

/** Downloads of one id into one store run one after another (the second finds the first's chunks). */
const inFlight = new WeakMap<WeightStore, Map<string, Promise<unknown>>>();

async function oneAtATime<T>(store: WeightStore, id: string, run: () => Promise<T>): Promise<T> {
  const running = inFlight.get(store) ?? new Map<string, Promise<unknown>>();
  inFlight.set(store, running);
  const before = running.get(id) ?? Promise.resolve();
  const mine = before.catch(() => {}).then(run);
  running.set(id, mine);
  try {
    return await mine;
  } finally {
    if (running.get(id) === mine) running.delete(id);
  }
}

function remoteFor(resolved: ResolvedSource, where: Where, o: DownloadOptions, env: LoaderEnv): Remote {
  if (resolved.kind === 'blob') return sourceRemote(blobSource(resolved.blob, resolved.url));
  if (resolved.kind === 'path') {
    let opened: Promise<ByteSource & { close?(): Promise<void> }> | undefined;
    const file = () => (opened ??= openPath(resolved.path, env.openPath));
    return {
      info: async () => ({ bytes: (await file()).size }),
      open: async (start, end) => sourceRemote(await file()).open(start, end),
      close: async () => void (await (await opened?.catch(() => undefined))?.close?.()),
    };
  }
  const { fetch, headers, signal } = o;
  return httpRemote(where, resolved.hub, {
    ...(fetch ? { fetch } : {}),
    ...(headers ? { headers } : {}),
    ...(signal ? { signal } : {}),
  });
}

/** Probes, reconciles with an earlier partial download, checks room, writes the manifest. */
async function prepare(job: Job, existing: Manifest | undefined): Promise<Manifest> {
  const { where, store, o } = job;
  const info = await job.remote.info();
  if (o.bytes !== undefined && info.bytes !== o.bytes) {
    throw loaderError('MODEL_FORMAT', where, `expected ${o.bytes} bytes, the source has ${info.bytes}`, {
      expected: o.bytes,
      actual: info.bytes,
    });
  }
  const sha256 = pickSha256(where, o.sha256, info.sha256);
  let m = existing;
  if (m && (m.bytes !== info.bytes || differs(m.etag, info.etag) || differs(m.sha256, sha256))) {
    // The file changed since the partial download began: its chunks are of another file.
    await store.deleteModel(where.id);
    m = undefined;
  }
  const chunkBytes = m?.chunkBytes ?? checkChunkBytes(where, o.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  m ??= {
    id: where.id,
    url: where.url,
    bytes: info.bytes,
    chunkBytes,
    chunks: Math.ceil(info.bytes / chunkBytes),
    ...(info.etag ? { etag: info.etag } : {}),
    complete: false,
    createdAt: Date.now(),
  };
  // Never written as complete here: a committed model re-enters only to be re-verified.
  m = { ...m, complete: false, ...(sha256 ? { sha256 } : {}) };
  await checkRoom(job, m);
  if (!persisted.has(store)) {
    persisted.add(store);
    await store.persist?.().catch(() => {});
  }
  await store.putManifest(m);
  return m;
}

function pickSha256(where: Where, caller: string | undefined, server: string | undefined): string | undefined {
  const mine = caller?.toLowerCase();
  if (mine && !/^[0-9a-f]{64}$/.test(mine)) {
    throw loaderError('INVALID_ARGUMENT', where, `sha256 must be 64 hex digits, got '${caller}'`);
  }
  if (mine && server && mine !== server) {
    throw loaderError('MODEL_FORMAT', where, `expected SHA-256 ${mine}, the hub states ${server}`, {
      expected: mine,
      actual: server,
    });
  }
  return mine ?? server;
}

function differs(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a !== b;
}

function checkChunkBytes(where: Where, chunkBytes: number): number {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw loaderError('INVALID_ARGUMENT', where, `chunkBytes must be a positive integer, got ${chunkBytes}`);
  }
  return chunkBytes;
}

/** QUOTA_EXCEEDED before anything is written when the missing chunks do not fit. */
async function checkRoom(job: Job, m: Manifest): Promise<void> {
  const have = new Set(await job.store.chunkIndices(m.id));
  let needed = 0;
  for (let k = 0; k < m.chunks; k++) if (!have.has(k)) needed += chunkLength(m, k);
  const { usage, quota } = await job.store.estimate();
  if (usage + needed <= quota) return;
  const free = Math.max(0, quota - usage);
  throw loaderError(
    'QUOTA_EXCEEDED',
    job.where,
    `needs ${needed} bytes (${mib(needed)}) more in ${job.store.name}, which has ${free} bytes (${mib(free)}) free`,
    { needed, free, usage, quota },
  );
}

/** Fetches every missing chunk, each stored as it completes. */
async function fetchMissing(job: Job, m: Manifest): Promise<void> {
  const { where, store, o } = job;
  const have = new Set(await store.chunkIndices(m.id));
  const missing = [...Array(m.chunks).keys()].filter((k) => !have.has(k));
  const stored = m.bytes - missing.reduce((sum, k) => sum + chunkLength(m, k), 0);
  const meter = new Meter('download', m.bytes, stored, o.onProgress);
  meter.emit();
  for (const run of runsOf(missing)) {
    await cutRun(where, m, job.remote, run, {
      wanted: (k) => !have.has(k),
      onChunk: async (k, bytes) => {
        await store.putChunk(m.id, k, { sha256: await sha256Hex(bytes), bytes });
        have.add(k);
        meter.emit();
      },
      onBytes: (n) => meter.add(n),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  }
  meter.emit();
}

/** Runs `step` again after a dropped connection or 5xx (`retries` times, backing off); a retried fetch resumes from what is stored. */
async function retrying<T>(job: Job, step: () => Promise<T>): Promise<T> {
  const { where, o } = job;
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!isRetryable(error) || attempt >= (o.retries ?? 2)) throw error;
      await sleep(where, (o.retryDelayMs ?? 500) * 2 ** attempt, o.signal);
    }
  }
}

/**
 * Re-reads every chunk and checks it against the hash it was stored with (or,
 * for a model committed before, the manifest's); a bad or missing one is
 * refetched. Commits when all are good and the whole-file SHA-256, if known, matches.
 */
async function verifyAndCommit(job: Job, m: Manifest): Promise<Manifest> {
  const { where, store, o } = job;
  if (m.complete) {
    m = { ...m, complete: false };
    await store.putManifest(m);
  }
  const meter = new Meter('verify', m.bytes, 0, o.onProgress);
  const whole = m.sha256 ? (store.createHasher?.() ?? new Sha256()) : undefined;
  const chunkSha256: string[] = [];
  for (let k = 0; k < m.chunks; k++) {
    throwIfAborted(where, o.signal);
    const { bytes, sha256 } = await goodChunk(job, m, k);
    whole?.update(bytes);
    chunkSha256.push(sha256);
    meter.add(bytes.byteLength);
  }
  meter.emit();
  const actual = whole?.hex();
  if (actual !== undefined && actual !== m.sha256) {
    await store.deleteModel(m.id);
    throw loaderError('MODEL_FORMAT', where, `SHA-256 is ${actual}, expected ${m.sha256}; the download was discarded`, {
      expected: m.sha256,
      actual,
    });
  }
  const committed: Manifest = { ...m, chunkSha256, complete: true };
  await store.putManifest(committed);
  return committed;
}

async function goodChunk(job: Job, m: Manifest, k: number): Promise<{ bytes: Uint8Array; sha256: string }> {
  const chunk = await job.store.getChunk(m.id, k);
  const expected = m.chunkSha256?.[k] ?? chunk?.sha256;
  if (chunk && chunk.bytes.byteLength === chunkLength(m, k)) {
    const sha256 = await sha256Hex(chunk.bytes);
    if (sha256 === expected) return { bytes: chunk.bytes, sha256 };
  }
  return refetchChunk(job.where, m, job.store, job.remote, k, job.o.signal);
}

/** A storage write that ran out of room: remove the model's chunks, then QUOTA_EXCEEDED. */
async function settleQuota(job: Job, error: unknown): Promise<unknown> {
  if (isRuntimeError(error) || !job.store.isQuotaError(error)) return error;
  await job.store.deleteModel(job.where.id).catch(() => {});
  return loaderError(
    'QUOTA_EXCEEDED',
    job.where,
    `${job.store.name} ran out of room while storing the download; its partial chunks were removed`,
    {},
    error,
  );
}

function sleep(where: Where, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(where, signal.reason));
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      if (signal?.aborted) reject(abortedError(where, signal.reason));
      else resolve();
    }
  });
}
