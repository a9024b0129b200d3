/**
 * What a weight cache keeps, and the small backend interface the two storages
 * (IndexedDB, Node file system) implement. Everything else — chunking,
 * verification, resume, commit, quota, errors — is written once in cache.ts /
 * download.ts over this interface, so both storages have the same semantics.
 */

/** Per model: where it came from and how it is cut. Written before the first chunk; `complete` only at commit. */
export interface Manifest {
  id: string;
  /** Where the bytes came from (a URL, `file:` path or `blob:` name): refetches of bad chunks go here. */
  url: string;
  /** File size. */
  bytes: number;
  /** Chunk k holds bytes [k·chunkBytes, min((k+1)·chunkBytes, bytes)). */
  chunkBytes: number;
  /** ceil(bytes / chunkBytes). */
  chunks: number;
  /** The server's ETag when the download began: a changed file restarts the download. */
  etag?: string;
  /** Whole-file SHA-256 (hex) the commit was checked against, when one was known. */
  sha256?: string;
  /** Per-chunk SHA-256 (hex) recorded at commit; reads are checked against these. */
  chunkSha256?: string[];
  /** True only after every chunk was present and verified (and the whole-file hash matched when known). */
  complete: boolean;
  /** ms since the epoch. */
  createdAt: number;
}

/** One stored chunk with the SHA-256 of its bytes as they arrived (stored together, atomically). */
export interface StoredChunk {
  sha256: string;
  bytes: Uint8Array;
}

/** An incremental hash (the JS Sha256, or node:crypto's when the store supplies it). */
export interface Hasher {
  update(bytes: Uint8Array): unknown;
  hex(): string;
}

/** Room for more: `usage` bytes held and `quota` bytes allowed, as the storage itself reports them. */
export interface StorageEstimate {
  usage: number;
  quota: number;
}

/**
 * A storage backend. Each method is atomic on its own: a chunk is either
 * stored whole or not at all. Writes that run out of room throw an error for
 * which `isQuotaError` is true; the cache turns it into QUOTA_EXCEEDED.
 */
export interface WeightStore {
  /** Names the storage in messages ('IndexedDB webseek-weights', a directory). */
  readonly name: string;
  getManifest(id: string): Promise<Manifest | undefined>;
  putManifest(manifest: Manifest): Promise<void>;
  manifests(): Promise<Manifest[]>;
  /** Indices of the chunks stored for `id` (unverified). */
  chunkIndices(id: string): Promise<number[]>;
  getChunk(id: string, index: number): Promise<StoredChunk | undefined>;
  putChunk(id: string, index: number, chunk: StoredChunk): Promise<void>;
  /** Removes the manifest and every chunk of `id`. */
  deleteModel(id: string): Promise<void>;
  /** Usage and quota that bound new writes (the smaller of the storage's and the store's `maxBytes`). */
  estimate(): Promise<StorageEstimate>;
  /** Asks the storage not to evict (browsers); called once per store before the first download. */
  persist?(): Promise<void>;
  isQuotaError(error: unknown): boolean;
  /** A faster whole-file hasher than the JS one, when the platform has it. */
  createHasher?(): Hasher;
}

/** Bytes in chunk `index` of a model of `bytes` cut in `chunkBytes`. */
export function chunkLength(m: Pick<Manifest, 'bytes' | 'chunkBytes'>, index: number): number {
  return Math.min(m.chunkBytes, m.bytes - index * m.chunkBytes);
}
