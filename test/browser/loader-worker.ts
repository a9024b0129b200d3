/**
 * The weight cache inside a dedicated worker (where the engine runs in the app),
 * driven by run-loader.ts through comlink. Everything here is the real
 * IndexedDB store; corruption is done with idb-keyval directly on its records.
 */
import { isRuntimeError } from '@webseek/api';
import type { ByteSource } from '@webseek/formats';
import {
  chunkKey,
  type DownloadProgress,
  defaultWeightStore,
  del,
  download,
  IDB_DATABASE,
  IDB_OBJECT_STORE,
  idbWeightStore,
  list,
  open,
  Sha256,
  sha256Hex,
} from '@webseek/loader';
import { expose } from 'comlink';
import { createStore, keys, set } from 'idb-keyval';
import type { Failure, LoaderTestApi } from './loader-protocol.ts';

const raw = createStore(IDB_DATABASE, IDB_OBJECT_STORE);

async function attempt<T>(run: () => Promise<T>): Promise<T | Failure> {
  try {
    return await run();
  } catch (error) {
    if (isRuntimeError(error)) return { error: { code: error.code, message: error.message, details: error.details } };
    return {
      error: { code: 'THROWN', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) },
    };
  }
}

async function hashAll(source: ByteSource): Promise<string> {
  const hash = new Sha256();
  const step = 300_007;
  for (let at = 0; at < source.size; at += step) hash.update(await source.read(at, Math.min(step, source.size - at)));
  return hash.hex();
}

const api: LoaderTestApi = {
  scope: async () => globalThis.constructor.name,
  download: (url, o) =>
    attempt(async () => {
      const progress: DownloadProgress[] = [];
      const store = o.maxBytes === undefined ? defaultWeightStore() : idbWeightStore({ maxBytes: o.maxBytes });
      const source = await download(
        url,
        {
          ...(o.chunkBytes ? { chunkBytes: o.chunkBytes } : {}),
          retries: o.retries ?? 0,
          onProgress: (p) => progress.push(p),
        },
        store,
      );
      return { id: source.id, size: source.size, manifest: source.manifest, sha256: await hashAll(source), progress };
    }),
  openAndHash: (id) =>
    attempt(async () => {
      const source = await open(id);
      return source ? { size: source.size, sha256: await hashAll(source) } : null;
    }),
  readSlice: (id, offset, length) =>
    attempt(async () => {
      const source = await open(id);
      if (!source) throw new Error(`${id} is not in the cache`);
      return Array.from(await source.read(offset, length));
    }),
  list: () => list(),
  async stored(id) {
    const all = (await keys(raw)) as (string | number)[][];
    return {
      chunks: all.filter((k) => k[0] === 'c' && k[1] === id).map((k) => k[2] as number),
      manifest: all.some((k) => k[0] === 'm' && k[1] === id),
    };
  },
  async corruptChunk(id, index, length) {
    const bytes = new Uint8Array(length).map((_, i) => (i * 31 + 7) & 0xff);
    await set(chunkKey(id, index), { sha256: await sha256Hex(bytes), bytes: bytes.buffer }, raw);
  },
  async estimate() {
    const e = await navigator.storage.estimate();
    return { usage: e.usage ?? 0, quota: e.quota ?? 0 };
  },
  async clear() {
    for (const m of await list()) await del(m.id);
  },
};

expose(api);
