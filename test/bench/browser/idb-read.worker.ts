/**
 * The floor for a load from the cache: every chunk of one model read from
 * IndexedDB with idb-keyval and nothing else, in a dedicated worker as the
 * engine's own reads are. Answers one message {url} with a RawRead.
 */
import { chunkKey, IDB_DATABASE, IDB_OBJECT_STORE, type Manifest, manifestKey, modelId } from '@webseek/loader';
import { createStore, get } from 'idb-keyval';
import type { RawRead } from './protocol.ts';

const store = createStore(IDB_DATABASE, IDB_OBJECT_STORE);

self.onmessage = async (event: MessageEvent<{ url: string }>) => {
  try {
    const id = modelId(event.data.url);
    const manifest = await get<Manifest>(manifestKey(id), store);
    if (!manifest?.complete) throw new Error(`model ${id} is not committed in IndexedDB`);
    const plain = await readAll(id, manifest.chunks, false);
    const hashed = await readAll(id, manifest.chunks, true);
    const answer: RawRead = { ...plain, readAndHashMs: hashed.readMs };
    self.postMessage({ answer });
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};

async function readAll(id: string, chunks: number, hash: boolean): Promise<Omit<RawRead, 'readAndHashMs'>> {
  const t0 = performance.now();
  let bytes = 0;
  for (let k = 0; k < chunks; k++) {
    const record = await get<{ bytes: ArrayBuffer }>(chunkKey(id, k), store);
    if (!record) throw new Error(`chunk ${k} of ${id} is missing`);
    bytes += record.bytes.byteLength;
    if (hash) await crypto.subtle.digest('SHA-256', record.bytes);
  }
  return { bytes, chunks, readMs: performance.now() - t0 };
}
