/**
 * @webseek/loader for Node: the same verbs as the browser entry, over a cache
 * directory (WEBSEEK_CACHE_DIR, else ~/.cache/webseek), and `{path}` sources
 * read with node:fs.
 */
import type { ByteSource } from '@webseek/formats';
import { nodeFileSource } from '@webseek/formats/node-source';
import { bindCache, type WeightCache, weightCache } from './cache.ts';
import type { LoaderEnv } from './download.ts';
import { type FsStoreOptions, fsWeightStore } from './fs-store.ts';
import { type ModelSource, type OpenSourceOptions, openSource as openSourceWith } from './source.ts';
import type { WeightStore } from './store.ts';

export * from './common.ts';
export type { FsStoreOptions } from './fs-store.ts';
export { defaultCacheDir, fsWeightStore } from './fs-store.ts';

const env: LoaderEnv = { openPath: (path) => nodeFileSource(path) };
let defaultStore: WeightStore | undefined;

/** The store in the default cache directory, made on first use. */
export function defaultWeightStore(): WeightStore {
  defaultStore ??= fsWeightStore();
  return defaultStore;
}

export const { has, list, size, del, open, download } = bindCache(defaultWeightStore, env);

/** A WeightCache over a directory (e.g. with `maxBytes`). */
export function fsWeightCache(options: FsStoreOptions = {}): WeightCache {
  return weightCache(fsWeightStore(options), env);
}

/** Reads a URL, hub file, Blob or `{path}` directly, uncached. */
export function openSource(source: ModelSource, options: OpenSourceOptions = {}): Promise<ByteSource> {
  return openSourceWith(source, { openPath: env.openPath!, ...options });
}
