/**
 * The loader browser test's calls into the dedicated worker (through comlink),
 * as the Node runner sees them on `window.loaderTest`. Results are plain data;
 * failures come back as `{error: {code, message}}` so the RuntimeError code
 * survives (comlink would keep only name and message).
 */
import type { CachedModel, DownloadProgress, Manifest } from '@webseek/loader';

export interface StoreChoice {
  /** Use an idbWeightStore with this budget instead of the default store. */
  maxBytes?: number;
}

export interface Failure {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export type Result<T> = T | Failure;

export interface Downloaded {
  id: string;
  size: number;
  manifest: Manifest;
  /** SHA-256 of every byte read back through the returned ByteSource. */
  sha256: string;
  progress: DownloadProgress[];
}

export interface Opened {
  size: number;
  sha256: string;
}

export interface LoaderTestApi {
  /** The worker's global scope class name (proves the cache ran off the main thread). */
  scope(): Promise<string>;
  download(url: string, options: { chunkBytes?: number; retries?: number } & StoreChoice): Promise<Result<Downloaded>>;
  /** Opens `id` from the cache and hashes all of it; null when it is not committed. */
  openAndHash(id: string): Promise<Result<Opened | null>>;
  readSlice(id: string, offset: number, length: number): Promise<Result<number[]>>;
  list(): Promise<CachedModel[]>;
  /** Chunk indices under `id` in IndexedDB, and whether a manifest exists. */
  stored(id: string): Promise<{ chunks: number[]; manifest: boolean }>;
  /** Replaces stored chunk k of `id` with `length` other bytes and their own (matching) SHA-256, via idb-keyval. */
  corruptChunk(id: string, index: number, length: number): Promise<void>;
  estimate(): Promise<{ usage: number; quota: number }>;
  clear(): Promise<void>;
}

export const LOADER_API = 'loaderTest';
