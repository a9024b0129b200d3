/**
 * Bytes a store holds, kept in memory so `maxBytes` can be enforced on every
 * chunk write without rescanning the storage. Filled from a scan on first use;
 * shared by the downloads of one store object (another tab or process writing
 * the same storage is not seen until the next scan).
 */
export class UsageLedger {
  private sizes: Map<string, number> | undefined;
  private scanning: Promise<Map<string, number>> | undefined;

  constructor(private readonly scan: () => Promise<Map<string, number>>) {}

  async total(): Promise<number> {
    return sum(await this.map());
  }

  /**
   * Books `bytes` under `key` (replacing what it held) if the total stays within
   * `max`, else throws StoreFullError. Check and booking happen in one step, so
   * concurrent downloads cannot both squeeze in. Returns an undo for a failed write.
   */
  async reserve(key: string, bytes: number, max: number, storeName: string): Promise<() => void> {
    const map = await this.map();
    const before = map.get(key);
    const total = sum(map) - (before ?? 0) + bytes;
    if (total > max)
      throw new StoreFullError(`${storeName}: writing ${bytes} bytes would hold ${total}, over maxBytes ${max}`);
    map.set(key, bytes);
    return () => (before === undefined ? map.delete(key) : map.set(key, before));
  }

  async set(key: string, bytes: number): Promise<void> {
    (await this.map()).set(key, bytes);
  }

  async deletePrefix(prefix: string): Promise<void> {
    const map = await this.map();
    for (const key of map.keys()) if (key.startsWith(prefix)) map.delete(key);
  }

  private async map(): Promise<Map<string, number>> {
    if (this.sizes) return this.sizes;
    this.scanning ??= this.scan();
    this.sizes = await this.scanning;
    return this.sizes;
  }
}

function sum(map: Map<string, number>): number {
  let total = 0;
  for (const size of map.values()) total += size;
  return total;
}

/** What a store throws when `maxBytes` would be exceeded; its `isQuotaError` recognises it. */
export class StoreFullError extends Error {
  override readonly name = 'StoreFullError';
}
