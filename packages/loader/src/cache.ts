/**
 * The weight cache's verbs, in idb-keyval's style: small functions with the
 * store last. `bindCache` gives a platform's entry point (index.ts: IndexedDB,
 * node.ts: the file system) the same functions with its default store filled in.
 */
import { type DownloadOptions, download as downloadInto, type LoaderEnv } from './download.ts';
import { type CachedSource, type OpenOptions, openCached } from './open.ts';
import type { ModelSource } from './source.ts';
import { chunkLength, type Manifest, type WeightStore } from './store.ts';

/** One entry of `list()`. */
export interface CachedModel {
  id: string;
  url: string;
  /** File size. */
  bytes: number;
  /** Bytes held now (less than `bytes` for an interrupted download). */
  storedBytes: number;
  complete: boolean;
  sha256?: string;
  /** ms since the epoch. */
  createdAt: number;
}

/** The cache bound to one store: what the engine or worker is handed. */
export interface WeightCache {
  readonly store: WeightStore;
  /** True when `id` is committed (complete and verified). */
  has(id: string): Promise<boolean>;
  list(): Promise<CachedModel[]>;
  /** Bytes held by every model, complete or not. */
  size(): Promise<number>;
  delete(id: string): Promise<void>;
  /** The committed model as a ByteSource; undefined when absent or incomplete. No network. */
  open(id: string, options?: OpenOptions): Promise<CachedSource | undefined>;
  /** Downloads what is missing, verifies, commits, opens. A committed model opens with no network. */
  download(source: ModelSource, options?: DownloadOptions): Promise<CachedSource>;
}

export async function hasModel(id: string, store: WeightStore): Promise<boolean> {
  return (await store.getManifest(id))?.complete === true;
}

export async function listModels(store: WeightStore): Promise<CachedModel[]> {
  const manifests = await store.manifests();
  return Promise.all(manifests.map(async (m) => describe(m, await storedBytes(m, store))));
}

export async function cacheSize(store: WeightStore): Promise<number> {
  return (await listModels(store)).reduce((sum, m) => sum + m.storedBytes, 0);
}

export function deleteModel(id: string, store: WeightStore): Promise<void> {
  return store.deleteModel(id);
}

async function storedBytes(m: Manifest, store: WeightStore): Promise<number> {
  const indices = await store.chunkIndices(m.id);
  return indices.filter((k) => k < m.chunks).reduce((sum, k) => sum + chunkLength(m, k), 0);
}

function describe(m: Manifest, stored: number): CachedModel {
  const { id, url, bytes, complete, createdAt, sha256 } = m;
  return { id, url, bytes, storedBytes: stored, complete, createdAt, ...(sha256 ? { sha256 } : {}) };
}

/** A WeightCache over `store`. */
export function weightCache(store: WeightStore, env: LoaderEnv = {}): WeightCache {
  return {
    store,
    has: (id) => hasModel(id, store),
    list: () => listModels(store),
    size: () => cacheSize(store),
    delete: (id) => deleteModel(id, store),
    open: (id, options) => openCached(id, store, options),
    download: (source, options = {}) => downloadInto(source, options, store, env),
  };
}

/** The functional API with a platform's default store (created on first use) as the optional last argument. */
export function bindCache(defaultStore: () => WeightStore, env: LoaderEnv = {}) {
  return {
    has: (id: string, store = defaultStore()) => hasModel(id, store),
    list: (store = defaultStore()) => listModels(store),
    size: (store = defaultStore()) => cacheSize(store),
    del: (id: string, store = defaultStore()) => deleteModel(id, store),
    open: (id: string, options: OpenOptions = {}, store = defaultStore()) => openCached(id, store, options),
    download: (source: ModelSource, options: DownloadOptions = {}, store = defaultStore()) =>
      downloadInto(source, options, store, env),
  };
}
