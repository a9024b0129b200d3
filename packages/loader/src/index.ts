/**
 * @webseek/loader for browsers and workers: model sources, and the weight
 * cache in IndexedDB. The verbs take the store last and default to the one
 * IndexedDB store 'webseek-weights' (idb-keyval style):
 *
 *   const model = await download({ hfRepo, file }, { onProgress });   // ByteSource for loadModel
 *   if (await has(modelId({ hfRepo, file }))) …
 *
 * Node: import '@webseek/loader/node' (same verbs over the file system).
 */

import type { ByteSource } from '@webseek/formats';
import { bindCache, type WeightCache, weightCache } from './cache.ts';
import { type IdbStoreOptions, idbWeightStore } from './idb-store.ts';
import { type ModelSource, type OpenSourceOptions, openSource as openSourceWith } from './source.ts';
import type { WeightStore } from './store.ts';

export * from './common.ts';
export type { IdbStoreOptions } from './idb-store.ts';
export { chunkKey, IDB_DATABASE, IDB_OBJECT_STORE, idbWeightStore, manifestKey } from './idb-store.ts';

let defaultStore: WeightStore | undefined;

/** The IndexedDB store 'webseek-weights', made on first use. */
export function defaultWeightStore(): WeightStore {
  defaultStore ??= idbWeightStore();
  return defaultStore;
}

export const { has, list, size, del, open, download } = bindCache(defaultWeightStore);

/** A WeightCache over IndexedDB (e.g. with `maxBytes`). */
export function idbWeightCache(options: IdbStoreOptions = {}): WeightCache {
  return weightCache(
    options.maxBytes === undefined && options.database === undefined ? defaultWeightStore() : idbWeightStore(options),
  );
}

/** Reads a URL, hub file or Blob directly, uncached (`{path}` needs @webseek/loader/node). */
export function openSource(source: ModelSource, options: OpenSourceOptions = {}): Promise<ByteSource> {
  return openSourceWith(source, options);
}
