/**
 * The weight cache in IndexedDB (pages and workers), through idb-keyval's
 * custom store: database 'webseek-weights', one object store. Keys are arrays
 * so a model's chunks form one key range (listed and deleted in one request):
 *   ['m', id]     → Manifest
 *   ['c', id, k]  → { sha256: hex, bytes: ArrayBuffer }   chunk k, written in one put
 */
import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import { StoreFullError, UsageLedger } from './ledger.ts';
import { chunkLength, type Manifest, type StorageEstimate, type StoredChunk, type WeightStore } from './store.ts';

export const IDB_DATABASE = 'webseek-weights';
export const IDB_OBJECT_STORE = 'weights';

export interface IdbStoreOptions {
  /** Most bytes of chunks this store may hold (on top of the browser's own quota); default unlimited. */
  maxBytes?: number;
  /** Database name; default 'webseek-weights'. */
  database?: string;
}

interface ChunkRecord {
  sha256: string;
  bytes: ArrayBuffer;
}

export const manifestKey = (id: string): IDBValidKey => ['m', id];
export const chunkKey = (id: string, index: number): IDBValidKey => ['c', id, index];
// [] sorts after every string and number: ['c', id] … ['c', id, []] spans exactly the chunks of id.
const manifestRange = () => IDBKeyRange.bound(['m'], ['m', []]);
const chunkRange = (id: string) => IDBKeyRange.bound(['c', id], ['c', id, []]);
const ledgerKey = (id: string, index: number) => `${id}\u0000${index}`;

export function idbWeightStore(options: IdbStoreOptions = {}): WeightStore {
  const database = options.database ?? IDB_DATABASE;
  const db = createStore(database, IDB_OBJECT_STORE);
  const name = `IndexedDB '${database}'`;
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const ledger = new UsageLedger(() => scan(db));
  const manifests = () => readAll<Manifest>(db, manifestRange());
  return {
    name,
    getManifest: (id) => request<Manifest | undefined>(db, 'readonly', (s) => s.get(manifestKey(id))),
    putManifest: (m) => write(db, (s) => s.put(m, manifestKey(m.id))),
    manifests: async () => (await manifests()).filter((m) => typeof m?.id === 'string'),
    chunkIndices: async (id) =>
      (await request<IDBValidKey[]>(db, 'readonly', (s) => s.getAllKeys(chunkRange(id)))).map(
        (k) => (k as [string, string, number])[2],
      ),
    async getChunk(id, index) {
      const record = await request<ChunkRecord | undefined>(db, 'readonly', (s) => s.get(chunkKey(id, index)));
      if (!(record?.bytes instanceof ArrayBuffer) || typeof record.sha256 !== 'string') return undefined;
      return { sha256: record.sha256, bytes: new Uint8Array(record.bytes) };
    },
    async putChunk(id, index, chunk) {
      const undo = Number.isFinite(maxBytes)
        ? await ledger.reserve(ledgerKey(id, index), chunk.bytes.byteLength, maxBytes, name)
        : undefined;
      try {
        await write(db, (s) => s.put(toRecord(chunk), chunkKey(id, index)));
      } catch (error) {
        undo?.();
        throw error;
      }
    },
    async deleteModel(id) {
      await write(db, (s) => {
        s.delete(manifestKey(id));
        s.delete(chunkRange(id));
      });
      if (Number.isFinite(maxBytes)) await ledger.deletePrefix(`${id}\u0000`);
    },
    estimate: () => estimate(maxBytes, ledger),
    persist: async () => void (await navigator.storage?.persist?.()),
    isQuotaError: (error) =>
      error instanceof StoreFullError || (error instanceof Error && /QuotaExceeded|QUOTA_REACHED/.test(error.name)),
  };
}

/** The browser's usage/quota, or the store's own `maxBytes` budget when that leaves less room. */
async function estimate(maxBytes: number, ledger: UsageLedger): Promise<StorageEstimate> {
  const browser = await navigator.storage?.estimate?.();
  const own = Number.isFinite(maxBytes) ? { usage: await ledger.total(), quota: maxBytes } : undefined;
  const fromBrowser = browser
    ? { usage: browser.usage ?? 0, quota: browser.quota ?? Number.POSITIVE_INFINITY }
    : undefined;
  const candidates = [own, fromBrowser].filter((e): e is StorageEstimate => e !== undefined);
  if (candidates.length === 0) return { usage: 0, quota: Number.POSITIVE_INFINITY };
  return candidates.reduce((a, b) => (b.quota - b.usage < a.quota - a.usage ? b : a));
}

/** Sizes of every stored chunk, from the keys and the manifests (no chunk is read). */
async function scan(db: UseStore): Promise<Map<string, number>> {
  const manifests = new Map((await readAll<Manifest>(db, manifestRange())).map((m) => [m.id, m]));
  const keys = await request<IDBValidKey[]>(db, 'readonly', (s) => s.getAllKeys(IDBKeyRange.bound(['c'], ['c', []])));
  const sizes = new Map<string, number>();
  for (const key of keys) {
    const [, id, index] = key as [string, string, number];
    const m = manifests.get(id);
    sizes.set(ledgerKey(id, index), m ? chunkLength(m, index) : 0);
  }
  return sizes;
}

/** An exact-size ArrayBuffer: structured clone of a view would store its whole underlying buffer. */
function toRecord(chunk: StoredChunk): ChunkRecord {
  const { bytes } = chunk;
  const whole =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return { sha256: chunk.sha256, bytes: whole ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer };
}

function request<T>(db: UseStore, mode: IDBTransactionMode, make: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  return db(mode, (s) => promisifyRequest(make(s)) as Promise<T>);
}

function readAll<T>(db: UseStore, range: IDBKeyRange): Promise<T[]> {
  return request<T[]>(db, 'readonly', (s) => s.getAll(range));
}

/** Runs `body` in one readwrite transaction and resolves when it commits (rejects with e.g. QuotaExceededError). */
function write(db: UseStore, body: (s: IDBObjectStore) => void): Promise<void> {
  return db('readwrite', (s) => {
    body(s);
    return promisifyRequest(s.transaction);
  });
}
