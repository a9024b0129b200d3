/**
 * The weight cache on the file system, against a real HTTP server on
 * 127.0.0.1 (test/support/range-server.ts) that can drop connections, ignore
 * Range, stall and fail. The server's request log is the evidence: resumes
 * must fetch only the missing byte ranges, cached loads must fetch nothing.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRuntimeError, type RuntimeError } from '@webseek/api';
import { concatBytes, readGguf, writeGguf } from '@webseek/formats';
import {
  type DownloadProgress,
  type FsStoreOptions,
  fsWeightCache,
  fsWeightStore,
  modelId,
  openCached,
  openSource,
  type WeightCache,
} from '@webseek/loader/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { patternBytes, type RangeServer, sha256, startRangeServer } from '../support/range-server.ts';

// Odd sizes: the last chunk is short, chunk edges fall mid-piece of the server's 64 KiB writes.
const SIZE = 1_000_003;
const CHUNK = 100_003;
const CHUNKS = Math.ceil(SIZE / CHUNK); // 10, the last one 99_976 bytes
const FILE = patternBytes(SIZE, 42);
const FILE_SHA = sha256(FILE);
const chunkRange = (k: number) => `bytes=${k * CHUNK}-${Math.min((k + 1) * CHUNK, SIZE) - 1}`;

let server: RangeServer;
let url: string;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startRangeServer();
  url = server.add('model.gguf', { bytes: FILE, etag: 'v1' });
});
afterAll(async () => {
  await server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  Object.assign(server, { refuseRange: false, dropNextAfter: undefined, failStatus: undefined, pieceDelayMs: 0 });
  server.log.length = 0;
});

function cache(options: Omit<FsStoreOptions, 'dir'> = {}): WeightCache & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'webseek-loader-'));
  dirs.push(dir);
  return Object.assign(fsWeightCache({ dir, ...options }), { dir });
}

/** Data requests (the 1-byte size probe left out). */
const dataRanges = () => server.ranges().filter((r) => r !== 'bytes=0-0');

async function failure(promise: Promise<unknown>): Promise<RuntimeError> {
  try {
    await promise;
  } catch (error) {
    if (isRuntimeError(error)) return error;
    throw error;
  }
  throw new Error('expected a RuntimeError, the call succeeded');
}

async function readAll(source: { size: number; read(o: number, n: number): Promise<Uint8Array> }, step = 77_777) {
  const out = new Uint8Array(source.size);
  for (let at = 0; at < source.size; at += step) out.set(await source.read(at, Math.min(step, source.size - at)), at);
  return out;
}

/** Byte equality without vitest's element-by-element diff (slow on megabytes); names the first difference. */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.byteLength).toBe(expected.byteLength);
  const same =
    Buffer.compare(
      Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength),
      Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength),
    ) === 0;
  if (!same) {
    const at = actual.findIndex((v, i) => v !== expected[i]);
    expect.fail(`bytes differ first at ${at}: ${actual[at]} vs ${expected[at]}`);
  }
}

/**
 * Whole chunks stored before a cut: a prefix 0..n-1 with 1 <= n <= most. (A cut
 * can lose bytes still queued in the fetch stream — erroring a ReadableStream
 * drops its queue — so fewer than were sent may arrive.)
 */
async function storedAfterCut(c: WeightCache & { dir: string }, most: number): Promise<number> {
  const [m] = await c.list();
  expect(m!.complete).toBe(false);
  const n = m!.storedBytes / CHUNK;
  expect(Number.isInteger(n) && n >= 1 && n <= most, `${m!.storedBytes} bytes stored`).toBe(true);
  const files = readdirSync(modelDir(c)).filter((f) => f.endsWith('.chunk'));
  expect(files.sort()).toEqual([...Array(n).keys()].map((k) => `${k}.chunk`).sort());
  return n;
}

function modelDir(c: { dir: string }): string {
  const names = readdirSync(join(c.dir, 'weights')).filter((n) => !n.startsWith('.'));
  expect(names).toHaveLength(1);
  return join(c.dir, 'weights', names[0]!);
}

describe('fs weight cache: download', () => {
  it('downloads in chunks with progress, verifies, commits, and reads back identical bytes', async () => {
    const c = cache();
    const events: DownloadProgress[] = [];
    const source = await c.download(url, { chunkBytes: CHUNK, onProgress: (p) => events.push(p) });
    expect(source.size).toBe(SIZE);
    expectBytes(await readAll(source), FILE);
    // Reads that straddle chunk edges and one inside the short last chunk.
    expectBytes(await source.read(CHUNK - 5, 11), FILE.subarray(CHUNK - 5, CHUNK + 6));
    expectBytes(await source.read(SIZE - 3, 3), FILE.subarray(SIZE - 3));
    expect(dataRanges()).toEqual([`bytes=0-${SIZE - 1}`]);

    const downloads = events.filter((e) => e.phase === 'download');
    const verifies = events.filter((e) => e.phase === 'verify');
    expect(downloads.length).toBeGreaterThan(1);
    for (let i = 1; i < downloads.length; i++)
      expect(downloads[i]!.bytesDone).toBeGreaterThanOrEqual(downloads[i - 1]!.bytesDone);
    expect(downloads.at(-1)).toMatchObject({ bytesDone: SIZE, bytesTotal: SIZE, etaSeconds: 0 });
    expect(downloads.at(-1)!.bytesPerSecond).toBeGreaterThan(0);
    expect(verifies.at(-1)).toMatchObject({ bytesDone: SIZE, bytesTotal: SIZE });

    expect(await c.has(url)).toBe(true);
    const [entry] = await c.list();
    expect(entry).toMatchObject({ id: url, url, bytes: SIZE, storedBytes: SIZE, complete: true });
    expect(entry!.createdAt).toBeGreaterThan(0);
    expect(await c.size()).toBe(SIZE);
    const manifest = JSON.parse(readFileSync(join(modelDir(c), 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ bytes: SIZE, chunkBytes: CHUNK, chunks: CHUNKS, etag: '"v1"', complete: true });
    expect(manifest.chunkSha256).toHaveLength(CHUNKS);
  });

  it('loads a committed model with no network request at all', async () => {
    const c = cache();
    await c.download(url, { chunkBytes: CHUNK });
    server.log.length = 0;
    const again = await c.download(url, { chunkBytes: CHUNK });
    expectBytes(await readAll(again), FILE);
    expectBytes(await readAll((await c.open(url))!), FILE);
    // A fresh store object over the same directory (a new process) reads it too.
    const other = fsWeightCache({ dir: c.dir });
    expectBytes(await readAll((await other.open(url))!, 333_331), FILE);
    expect(server.log).toEqual([]);
  });

  it('loads the chunk after the one read ahead of time, each chunk once, and reads the same bytes', async () => {
    const c = cache();
    await c.download(url, { chunkBytes: CHUNK });
    const spied = (calls: number[]) => {
      const store = fsWeightStore({ dir: c.dir });
      const getChunk = (id: string, k: number) => {
        calls.push(k);
        return store.getChunk(id, k);
      };
      return { ...store, getChunk };
    };
    const calls: number[] = [];
    const source = (await openCached(modelId(url), spied(calls)))!;
    await source.read(5, 10);
    expect(calls).toEqual([0, 1]);
    await source.read(CHUNK + 5, 10);
    expect(calls).toEqual([0, 1, 2]);
    expectBytes(await readAll(source), FILE);
    expect(calls).toEqual([...Array(CHUNKS).keys()]);
    const plain: number[] = [];
    await (await openCached(modelId(url), spied(plain), { readAhead: 0 }))!.read(5, 10);
    expect(plain).toEqual([0]);
  });

  it('reads a GGUF straight out of the cache', async () => {
    const c = cache();
    const data = patternBytes(4 * 37 * 5, 9);
    const gguf = concatBytes(
      writeGguf({
        metadata: [['general.name', { type: 'string', value: 'tiny' }]],
        tensors: [{ name: 't', shape: [37, 5], type: 'f32', data }],
      }),
    );
    const ggufUrl = server.add('tiny.gguf', { bytes: gguf });
    const parsed = await readGguf(await c.download(ggufUrl, { chunkBytes: 257 }));
    expect(parsed.metadata.get('general.name')).toMatchObject({ value: 'tiny' });
    expect(await parsed.readTensor('t')).toEqual(data);
  });
});

describe('fs weight cache: interruption and resume', () => {
  it('keeps the chunks of a dropped download, never opens it, and resumes with only the missing range', async () => {
    const c = cache();
    server.dropNextAfter = 3 * CHUNK + 5_000; // 3 whole chunks sent, the 4th is cut
    const error = await failure(c.download(url, { chunkBytes: CHUNK, retries: 0 }));
    expect(error.code).toBe('NETWORK');
    expect(error.message).toContain(url);
    expect(await c.has(url)).toBe(false);
    expect(await c.open(url)).toBeUndefined();
    const n = await storedAfterCut(c, 3);

    server.log.length = 0;
    const source = await c.download(url, { chunkBytes: CHUNK });
    expect(dataRanges()).toEqual([`bytes=${n * CHUNK}-${SIZE - 1}`]);
    expect(server.log.reduce((sum, r) => sum + r.sent, 0)).toBe(SIZE - n * CHUNK + 1); // + the probe's byte
    expectBytes(await readAll(source), FILE);
  });

  it('retries a dropped connection within the same call, from the stored chunks', async () => {
    const c = cache();
    server.dropNextAfter = 5 * CHUNK + 1;
    const source = await c.download(url, { chunkBytes: CHUNK, retries: 1, retryDelayMs: 10 });
    const [first, resumed, ...more] = dataRanges();
    expect([first, more]).toEqual([`bytes=0-${SIZE - 1}`, []]);
    const from = Number(/^bytes=(\d+)-/.exec(resumed!)![1]);
    expect(from % CHUNK === 0 && from >= CHUNK && from <= 5 * CHUNK, resumed).toBe(true);
    expect(resumed).toBe(`bytes=${from}-${SIZE - 1}`);
    expectBytes(await readAll(source), FILE);
  });

  it('keeps the chunk size of the interrupted download even if a different one is asked for', async () => {
    const c = cache();
    server.dropNextAfter = 2 * CHUNK;
    await failure(c.download(url, { chunkBytes: CHUNK, retries: 0 }));
    const source = await c.download(url, { chunkBytes: 4096 });
    expect(source.manifest.chunkBytes).toBe(CHUNK);
    expectBytes(await readAll(source), FILE);
  });

  it('starts over when the file changed on the server (new ETag) since the interruption', async () => {
    const c = cache();
    const changing = server.add('changing.gguf', { bytes: FILE, etag: 'a' });
    server.dropNextAfter = 4 * CHUNK;
    await failure(c.download(changing, { chunkBytes: CHUNK, retries: 0 }));
    const newer = patternBytes(SIZE, 43);
    server.add('changing.gguf', { bytes: newer, etag: 'b' });
    server.log.length = 0;
    const source = await c.download(changing, { chunkBytes: CHUNK });
    expect(dataRanges()).toEqual([`bytes=0-${SIZE - 1}`]);
    expectBytes(await readAll(source), newer);
  });

  it('aborts with ABORTED, keeps what was stored, and resumes later', async () => {
    const c = cache();
    server.pieceDelayMs = 5;
    const controller = new AbortController();
    const onProgress = (p: DownloadProgress) => p.bytesDone > 2 * CHUNK && controller.abort();
    const error = await failure(c.download(url, { chunkBytes: CHUNK, signal: controller.signal, onProgress }));
    expect(error.code).toBe('ABORTED');
    expect(error.message).toContain(url);
    const [partial] = await c.list();
    expect(partial!.complete).toBe(false);
    expect(partial!.storedBytes).toBeGreaterThanOrEqual(2 * CHUNK);
    expect(partial!.storedBytes).toBeLessThan(SIZE);

    server.pieceDelayMs = 0;
    server.log.length = 0;
    const source = await c.download(url, { chunkBytes: CHUNK });
    expect(dataRanges()).toEqual([`bytes=${partial!.storedBytes}-${SIZE - 1}`]);
    expectBytes(await readAll(source), FILE);
  });

  it('downloads from a server that ignores Range, and resumes from it by skipping what is stored', async () => {
    const c = cache();
    server.refuseRange = true;
    server.dropNextAfter = 6 * CHUNK + 10; // a refused size probe's whole-file body is not the one cut
    await failure(c.download(url, { chunkBytes: CHUNK, retries: 0 }));
    const n = await storedAfterCut(c, 6);
    server.log.length = 0;
    const source = await c.download(url, { chunkBytes: CHUNK });
    expect(dataRanges()).toEqual([`bytes=0-0 (refused)`, `bytes=${n * CHUNK}-${SIZE - 1} (refused)`]);
    expectBytes(await readAll(source), FILE);
  });
});

describe('fs weight cache: integrity', () => {
  it('detects a corrupted chunk on read and refetches just that chunk with a Range request', async () => {
    const c = cache();
    await c.download(url, { chunkBytes: CHUNK });
    const path = join(modelDir(c), '7.chunk');
    const bytes = readFileSync(path);
    bytes[32 + 1234]! ^= 0x40; // payload byte (the first 32 bytes are the stored hash)
    writeFileSync(path, bytes);
    server.log.length = 0;
    const source = (await c.open(url))!;
    expectBytes(await source.read(7 * CHUNK + 1000, 500), FILE.subarray(7 * CHUNK + 1000, 7 * CHUNK + 1500));
    expect(dataRanges()).toEqual([chunkRange(7)]);
    expectBytes(readFileSync(path).subarray(32), FILE.subarray(7 * CHUNK, 8 * CHUNK));
    expect(await c.has(url)).toBe(true);
  });

  it('detects a chunk replaced together with its hash (checked against the commit)', async () => {
    const c = cache();
    await c.download(url, { chunkBytes: CHUNK });
    const garbage = patternBytes(CHUNK, 5);
    writeFileSync(join(modelDir(c), '2.chunk'), Buffer.concat([Buffer.from(sha256(garbage), 'hex'), garbage]));
    server.log.length = 0;
    expectBytes(await readAll((await c.open(url))!), FILE);
    expect(dataRanges()).toEqual([chunkRange(2)]);
  });

  it('finds a chunk corrupted while the download was incomplete at verify time, and refetches it', async () => {
    const c = cache();
    server.dropNextAfter = 4 * CHUNK + 7;
    await failure(c.download(url, { chunkBytes: CHUNK, retries: 0 }));
    const n = await storedAfterCut(c, 4);
    const path = join(modelDir(c), '0.chunk');
    const bytes = readFileSync(path);
    bytes[40]! ^= 1;
    writeFileSync(path, bytes);
    server.log.length = 0;
    const events: DownloadProgress[] = [];
    const source = await c.download(url, { chunkBytes: CHUNK, onProgress: (p) => events.push(p) });
    expect(dataRanges()).toEqual([`bytes=${n * CHUNK}-${SIZE - 1}`, chunkRange(0)]);
    expect(events.some((e) => e.phase === 'verify')).toBe(true);
    expectBytes(await readAll(source), FILE);
  });

  it('repairs a corrupted chunk of a committed model when asked to reverify', async () => {
    const c = cache();
    await c.download(url, { chunkBytes: CHUNK });
    const path = join(modelDir(c), '9.chunk');
    writeFileSync(path, readFileSync(path).subarray(0, 1000)); // truncated
    server.log.length = 0;
    const source = await c.download(url, { reverify: true });
    expect(dataRanges()).toEqual([chunkRange(9)]);
    expectBytes(await readAll(source), FILE);
  });

  it('marks a model with a bad chunk and no refetchable source incomplete, and says so', async () => {
    const c = cache();
    const file = new File([FILE as Uint8Array<ArrayBuffer>], 'local.gguf', { lastModified: 5 });
    const source = await c.download(file, { chunkBytes: CHUNK });
    expectBytes(await readAll(source), FILE);
    const path = join(modelDir(c), '3.chunk');
    const bytes = readFileSync(path);
    bytes[100]! ^= 8;
    writeFileSync(path, bytes);
    const error = await failure((await c.open(source.id))!.read(3 * CHUNK, 10));
    expect(error.code).toBe('MODEL_FORMAT');
    expect(error.message).toMatch(/chunk 3 .*corrupt/);
    expect(await c.has(source.id)).toBe(false);
    expect(await c.open(source.id)).toBeUndefined();
    // Downloading the file again repairs it (the chunk is refetched from the File).
    expectBytes(await readAll(await c.download(file, { chunkBytes: CHUNK })), FILE);
  });

  it('commits only when the whole-file SHA-256 matches the one given', async () => {
    const c = cache();
    const ok = await c.download(url, { chunkBytes: CHUNK, sha256: FILE_SHA.toUpperCase() });
    expect(ok.manifest.sha256).toBe(FILE_SHA);
    const d = cache();
    const error = await failure(d.download(url, { chunkBytes: CHUNK, sha256: 'f'.repeat(64) }));
    expect(error.code).toBe('MODEL_FORMAT');
    expect(error.message).toContain(url);
    expect(await d.list()).toEqual([]);
    expect(await d.open(url)).toBeUndefined();
  });

  it("takes a hub file's SHA-256 from X-Linked-Etag, and refuses a file that does not match it", async () => {
    const hubUrl = server.origin;
    server.add('hub.gguf', { bytes: FILE, linkedSha256: FILE_SHA });
    const c = cache();
    const source = await c.download({ hfRepo: 'org/repo', file: 'hub.gguf' }, { hubUrl, chunkBytes: CHUNK });
    expect(source.id).toBe('hf:org/repo/hub.gguf@main');
    expect(source.manifest.sha256).toBe(FILE_SHA);
    expect(server.log.find((r) => r.method === 'HEAD')?.status).toBe(302);

    server.add('lying.gguf', { bytes: FILE, linkedSha256: sha256(patternBytes(SIZE, 1)) });
    const d = cache();
    const error = await failure(d.download({ hfRepo: 'org/repo', file: 'lying.gguf' }, { hubUrl, chunkBytes: CHUNK }));
    expect(error.code).toBe('MODEL_FORMAT');
    expect(error.message).toMatch(/SHA-256/);
    expect(await d.list()).toEqual([]);
  });

  it('falls back to the followed response for the hub SHA-256 (what a browser sees behind an opaque redirect)', async () => {
    server.add('final.gguf', { bytes: FILE, linkedSha256: FILE_SHA, linkedOn: 'file' });
    const c = cache();
    const source = await c.download({ hfRepo: 'org/repo', file: 'final.gguf' }, { hubUrl: server.origin });
    expect(source.manifest.sha256).toBe(FILE_SHA);
  });

  it('checks a committed model against a SHA-256 asked for later, without downloading it again', async () => {
    const c = cache();
    await c.download(url, { chunkBytes: CHUNK });
    server.log.length = 0;
    const checked = await c.download(url, { sha256: FILE_SHA });
    expect(checked.manifest.sha256).toBe(FILE_SHA);
    expect(dataRanges()).toEqual([]);
    const error = await failure(c.download(url, { sha256: '0'.repeat(64) }));
    expect(error.code).toBe('MODEL_FORMAT');
    expect(await c.has(url)).toBe(false);
  });

  it('refuses a source of an unexpected size before storing anything (MODEL_FORMAT)', async () => {
    const c = cache();
    const error = await failure(c.download(url, { bytes: SIZE + 1 }));
    expect(error.code).toBe('MODEL_FORMAT');
    expect(error.details).toMatchObject({ expected: SIZE + 1, actual: SIZE });
    expect(await c.list()).toEqual([]);
  });
});

describe('fs weight cache: errors, quota, housekeeping', () => {
  it('reports an HTTP error status as NETWORK with the status and URL, without retrying a 404', async () => {
    const c = cache();
    const error = await failure(c.download(`${server.origin}/files/missing.gguf`));
    expect(error.code).toBe('NETWORK');
    expect(error.message).toMatch(/HTTP 404/);
    expect(error.message).toContain('/files/missing.gguf');
    expect(server.log).toHaveLength(1);
    server.failStatus = 503;
    const busy = await failure(c.download(url, { retries: 1, retryDelayMs: 10 }));
    expect(busy.details).toMatchObject({ status: 503, retryable: true });
    expect(server.log).toHaveLength(3); // the 404, then the 503 probe and its one retry
  });

  it('refuses with QUOTA_EXCEEDED before writing anything when maxBytes cannot hold the model', async () => {
    const c = cache({ maxBytes: SIZE - 1 });
    const error = await failure(c.download(url, { chunkBytes: CHUNK }));
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.message).toContain(`needs ${SIZE} bytes`);
    expect(error.message).toContain(`${SIZE - 1} bytes`);
    expect(error.details).toMatchObject({ needed: SIZE, free: SIZE - 1 });
    expect(dataRanges()).toEqual([]);
    expect(readdirSync(join(c.dir, 'weights'))).toEqual([]);
  });

  it('removes every partial chunk when the store fills up mid-download (another download took the room)', async () => {
    const c = cache({ maxBytes: Math.floor(1.5 * SIZE) });
    // A pauses after 3 chunks; B, started then, passes the up-front check (A holds only 0.3) and completes;
    // A resumes and runs out of room at 0.5.
    let resume!: () => void;
    const a = server.add('a.gguf', { bytes: FILE, pauseAt: 3 * CHUNK, resume: new Promise((r) => (resume = r)) });
    const b = server.add('b.gguf', { bytes: patternBytes(SIZE, 77) });
    let paused!: () => void;
    const atPause = new Promise<void>((r) => (paused = r));
    const first = failure(
      c.download(a, { chunkBytes: CHUNK, onProgress: (p) => p.bytesDone >= 3 * CHUNK && paused() }),
    );
    await atPause;
    await c.download(b, { chunkBytes: CHUNK });
    resume();
    const error = await first;
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.message).toMatch(/ran out of room/);
    expect(error.message).toContain(a);
    expect(await c.list()).toEqual([expect.objectContaining({ id: b, complete: true, storedBytes: SIZE })]);
    expect(readdirSync(join(c.dir, 'weights')).filter((n) => !n.startsWith('.'))).toHaveLength(1);
    expect(await c.size()).toBe(SIZE);
  });

  it('lists, sizes and deletes models', async () => {
    const c = cache();
    const second = server.add('second.gguf', { bytes: patternBytes(3333, 3) });
    await c.download(url, { chunkBytes: CHUNK });
    await c.download(second, { chunkBytes: 1000 });
    expect((await c.list()).map((m) => m.id).sort()).toEqual([url, second].sort());
    expect(await c.size()).toBe(SIZE + 3333);
    await c.delete(url);
    expect(await c.has(url)).toBe(false);
    expect(await c.open(url)).toBeUndefined();
    expect((await c.list()).map((m) => m.id)).toEqual([second]);
    expect(await c.size()).toBe(3333);
    await c.delete('never-stored'); // deleting what is absent is not an error
    expect(readdirSync(join(c.dir, 'weights')).filter((n) => !n.startsWith('.'))).toHaveLength(1);
  });

  it('imports a local file ({path}) and opens paths directly', async () => {
    const c = cache();
    const path = join(c.dir, 'local.gguf');
    writeFileSync(path, FILE);
    const direct = await openSource({ path });
    expectBytes(await direct.read(SIZE - 10, 10), FILE.subarray(SIZE - 10));
    const cached = await c.download({ path }, { chunkBytes: CHUNK });
    expect(cached.id).toBe(`file:${path}`);
    expectBytes(await readAll(cached), FILE);
  });

  it('defaults the cache directory to WEBSEEK_CACHE_DIR', () => {
    const before = process.env.WEBSEEK_CACHE_DIR;
    process.env.WEBSEEK_CACHE_DIR = '/tmp/webseek-cache-test';
    try {
      expect(fsWeightStore().name).toBe('/tmp/webseek-cache-test/weights');
    } finally {
      if (before === undefined) delete process.env.WEBSEEK_CACHE_DIR;
      else process.env.WEBSEEK_CACHE_DIR = before;
    }
  });
});
