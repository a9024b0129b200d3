/** What both entry points (index.ts for browsers, node.ts for Node) export: everything but the default store. */
export type { CachedModel, WeightCache } from './cache.ts';
export { bindCache, cacheSize, deleteModel, hasModel, listModels, weightCache } from './cache.ts';
export type { DownloadOptions, LoaderEnv } from './download.ts';
export { DEFAULT_CHUNK_BYTES, download as downloadInto } from './download.ts';
export type { CachedSource, OpenOptions } from './open.ts';
export { openCached } from './open.ts';
export type { DownloadProgress, ProgressCallback } from './progress.ts';
export { Sha256, sha256FromEtag, sha256Hex } from './sha256.ts';
export type { HubFile, ModelSource, OpenSourceOptions, PathFile, ResolvedSource, SourceOptions } from './source.ts';
export { DEFAULT_HUB_URL, hubFileUrl, modelId, resolveSource } from './source.ts';
export type { Hasher, Manifest, StorageEstimate, StoredChunk, WeightStore } from './store.ts';
export { chunkLength } from './store.ts';
