/**
 * The weight cache on the file system (Node). One directory per model under
 * `<cacheDir>/weights/`, named by a hash of its id:
 *   manifest.json    the Manifest, replaced atomically (write temp, rename)
 *   <k>.chunk        chunk k: 32 bytes of SHA-256, then the chunk's bytes (written to a temp file, then renamed)
 * The cache directory is `WEBSEEK_CACHE_DIR`, else `<home>/.cache/webseek`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { StoreFullError, UsageLedger } from './ledger.ts';
import type { Hasher, Manifest, StorageEstimate, WeightStore } from './store.ts';

export interface FsStoreOptions {
  /** Cache directory; default WEBSEEK_CACHE_DIR, else `<home>/.cache/webseek`. */
  dir?: string;
  /** Most bytes of chunks this store may hold (on top of the disk's free space); default unlimited. */
  maxBytes?: number;
}

const HASH_BYTES = 32;

export function defaultCacheDir(): string {
  return process.env.WEBSEEK_CACHE_DIR || join(homedir(), '.cache', 'webseek');
}

export function fsWeightStore(options: FsStoreOptions = {}): WeightStore {
  const root = join(options.dir ?? defaultCacheDir(), 'weights');
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const modelDir = (id: string) => join(root, createHash('sha256').update(id).digest('hex').slice(0, 32));
  const chunkPath = (id: string, k: number) => join(modelDir(id), `${k}.chunk`);
  const ledger = new UsageLedger(() => scan(root));
  return {
    name: root,
    getManifest: (id) => readManifest(modelDir(id)),
    async putManifest(m) {
      await mkdir(modelDir(m.id), { recursive: true });
      await writeAtomic(join(modelDir(m.id), 'manifest.json'), [new TextEncoder().encode(JSON.stringify(m))]);
    },
    async manifests() {
      const found = await Promise.all((await list(root)).map((name) => readManifest(join(root, name))));
      return found.filter((m): m is Manifest => m !== undefined);
    },
    chunkIndices: async (id) => chunkFiles(await list(modelDir(id))),
    async getChunk(id, k) {
      const file = await readFile(chunkPath(id, k)).catch(ifMissing(undefined));
      if (!file || file.byteLength < HASH_BYTES) return undefined;
      const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
      return { sha256: hex(bytes.subarray(0, HASH_BYTES)), bytes: bytes.subarray(HASH_BYTES) };
    },
    async putChunk(id, k, chunk) {
      const key = chunkPath(id, k);
      const undo = await ledger.reserve(key, chunk.bytes.byteLength, maxBytes, root);
      try {
        await writeAtomic(key, [fromHex(chunk.sha256), chunk.bytes]);
      } catch (error) {
        undo();
        throw error;
      }
    },
    async deleteModel(id) {
      // Renamed away first, so no reader ever sees half a model while rm runs.
      const trash = join(root, `.trash-${randomUUID()}`);
      const moved = await rename(modelDir(id), trash).then(() => true, ifMissing(false));
      await ledger.deletePrefix(`${modelDir(id)}/`);
      if (moved) await rm(trash, { recursive: true, force: true });
    },
    estimate: () => estimate(root, maxBytes, ledger),
    isQuotaError: (error) =>
      error instanceof StoreFullError || ['ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException)?.code ?? ''),
    createHasher: nodeHasher,
  };
}

/** Free disk space (statfs), capped by what `maxBytes` leaves. */
async function estimate(root: string, maxBytes: number, ledger: UsageLedger): Promise<StorageEstimate> {
  await mkdir(root, { recursive: true });
  const disk = await statfs(root);
  const usage = await ledger.total();
  const free = Math.min(disk.bavail * disk.bsize, maxBytes - usage);
  return { usage, quota: usage + free };
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  const text = await readFile(join(dir, 'manifest.json'), 'utf8').catch(ifMissing(undefined));
  if (text === undefined) return undefined;
  try {
    const m = JSON.parse(text) as Manifest;
    return typeof m?.id === 'string' ? m : undefined;
  } catch {
    return undefined; // a manifest that does not parse is as good as none: the download starts over
  }
}

/** Writes `parts` to a temp file beside `path`, flushes it, and renames it over `path`. */
async function writeAtomic(path: string, parts: Uint8Array[]): Promise<void> {
  const temp = `${path}.${randomUUID()}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writev(parts);
    await handle.datasync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, path);
}

/** Sizes of every stored chunk (file size less the hash). */
async function scan(root: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const name of await list(root)) {
    if (name.startsWith('.')) continue;
    for (const k of chunkFiles(await list(join(root, name)))) {
      const path = join(root, name, `${k}.chunk`);
      const info = await stat(path).catch(ifMissing(undefined));
      if (info) sizes.set(path, Math.max(0, info.size - HASH_BYTES));
    }
  }
  return sizes;
}

function chunkFiles(names: string[]): number[] {
  return names.flatMap((name) => {
    const match = /^(\d+)\.chunk$/.exec(name);
    return match ? [Number(match[1])] : [];
  });
}

function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(ifMissing([]));
}

function ifMissing<T>(value: T) {
  return (error: NodeJS.ErrnoException): T => {
    if (error.code === 'ENOENT') return value;
    throw error;
  };
}

function nodeHasher(): Hasher {
  const hash = createHash('sha256');
  return { update: (bytes) => hash.update(bytes), hex: () => hash.digest('hex') };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function fromHex(text: string): Uint8Array {
  return Buffer.from(text, 'hex');
}
