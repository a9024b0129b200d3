/**
 * A committed model read back from the cache as a ByteSource: reads map
 * offsets to chunks and load only those chunks, each checked against the
 * SHA-256 recorded at commit; a few decoded chunks stay in an LRU (the engine
 * reads tensors in file order, so a chunk is usually wanted by neighbours).
 * No network request is made unless a chunk turns out corrupt: then, for an
 * http(s) model, that one chunk is refetched with a Range request; otherwise
 * (or if the refetch fails) the model is marked incomplete and the read throws.
 */
import type { ByteSource } from '@webseek/formats';
import { refetchChunk } from './cut.ts';
import { loaderError, type Where } from './errors.ts';
import { httpRemote } from './remote.ts';
import { sha256Hex } from './sha256.ts';
import { chunkLength, type Manifest, type WeightStore } from './store.ts';

export interface OpenOptions {
  /** Decoded chunks kept in memory; default 4 (32 MiB at the default chunk size). */
  lruChunks?: number;
  /**
   * Chunks after the last one read that start loading at once (default 1): the
   * engine reads tensors in file order, so the next chunk's storage read and
   * hash overlap the repack and upload of this one.
   */
  readAhead?: number;
  /** Check each chunk's SHA-256 when it is loaded; default true. */
  verifyReads?: boolean;
  /** Used only to refetch a corrupt chunk of an http(s) model. */
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

export interface CachedSource extends ByteSource {
  readonly id: string;
  readonly manifest: Manifest;
}

/** Opens the committed model `id`; undefined if it is absent or incomplete. */
export async function openCached(
  id: string,
  store: WeightStore,
  o: OpenOptions = {},
): Promise<CachedSource | undefined> {
  const m = await store.getManifest(id);
  return m?.complete ? openManifest(m, store, o) : undefined;
}

export function openManifest(m: Manifest, store: WeightStore, o: OpenOptions = {}): CachedSource {
  const where: Where = { id: m.id, url: m.url };
  const readAhead = Math.max(0, Math.floor(o.readAhead ?? 1));
  // Room for a read spanning two chunks plus the ones loading ahead.
  const limit = Math.max(2 + readAhead, o.lruChunks ?? 4);
  const lru = new Map<number, Promise<Uint8Array>>();
  const chunk = (k: number): Promise<Uint8Array> => {
    let loading = lru.get(k);
    if (loading) lru.delete(k);
    else {
      loading = loadChunk(where, m, store, k, o);
      loading.catch(() => lru.get(k) === loading && lru.delete(k));
    }
    lru.set(k, loading);
    for (const old of lru.keys()) if (lru.size > limit) lru.delete(old);
    return loading;
  };
  return {
    id: m.id,
    name: m.id,
    size: m.bytes,
    manifest: m,
    async read(offset, length) {
      checkRange(where, m.bytes, offset, length);
      const C = m.chunkBytes;
      const first = Math.floor(offset / C);
      const last = length === 0 ? first : Math.floor((offset + length - 1) / C);
      if (length === 0) return new Uint8Array(0);
      // Every chunk this read spans starts loading now, and `readAhead` more after it.
      const parts: Promise<Uint8Array>[] = [];
      for (let k = first; k <= last; k++) parts.push(chunk(k));
      for (let k = last + 1; k <= Math.min(last + readAhead, m.chunks - 1); k++) if (!lru.has(k)) chunk(k);
      if (first === last) {
        const bytes = await parts[0]!;
        return bytes.subarray(offset - first * C, offset - first * C + length);
      }
      const out = new Uint8Array(length);
      for (let k = first; k <= last; k++) {
        const bytes = await parts[k - first]!;
        const from = Math.max(offset, k * C);
        const to = Math.min(offset + length, (k + 1) * C);
        out.set(bytes.subarray(from - k * C, to - k * C), from - offset);
      }
      return out;
    },
  };
}

async function loadChunk(
  where: Where,
  m: Manifest,
  store: WeightStore,
  k: number,
  o: OpenOptions,
): Promise<Uint8Array> {
  const chunk = await store.getChunk(m.id, k);
  if (chunk && chunk.bytes.byteLength === chunkLength(m, k)) {
    if (o.verifyReads === false || (await sha256Hex(chunk.bytes)) === m.chunkSha256?.[k]) return chunk.bytes;
  }
  return repair(where, m, store, k, o);
}

/** A corrupt or missing chunk: refetch it if the model came from http(s), else mark the model incomplete. */
async function repair(where: Where, m: Manifest, store: WeightStore, k: number, o: OpenOptions): Promise<Uint8Array> {
  const broken = () => store.putManifest({ ...m, complete: false }).catch(() => {});
  if (!/^https?:/.test(m.url)) {
    await broken();
    throw loaderError(
      'MODEL_FORMAT',
      where,
      `cached chunk ${k} is corrupt and the source cannot be refetched; download it again`,
      {
        chunk: k,
      },
    );
  }
  const { fetch, headers } = o;
  const remote = httpRemote(where, false, { ...(fetch ? { fetch } : {}), ...(headers ? { headers } : {}) });
  try {
    return (await refetchChunk(where, m, store, remote, k)).bytes;
  } catch (error) {
    await broken();
    if (!store.isQuotaError(error)) throw error;
    throw loaderError(
      'QUOTA_EXCEEDED',
      where,
      `${store.name} has no room to store refetched chunk ${k}`,
      { chunk: k },
      error,
    );
  }
}

function checkRange(where: Where, size: number, offset: number, length: number): void {
  const ok = Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0;
  if (!ok || offset + length > size) {
    throw loaderError('INVALID_ARGUMENT', where, `read of ${length} bytes at ${offset} is outside its ${size} bytes`, {
      offset,
      length,
      size,
    });
  }
}
