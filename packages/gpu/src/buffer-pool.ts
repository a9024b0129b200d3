/**
 * Reuses buffers of the same usage and size class, so scratch buffers of a
 * forward pass are not re-created (and re-zeroed) on every call.
 * Sizes are rounded up to a power-of-two class from 256 B.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly live = new Set<GPUBuffer>();
  private bytesLive = 0;

  constructor(private readonly device: GPUDevice) {}

  /** Bytes currently held by the pool, in use or free. */
  get bytesHeld(): number {
    let bytes = this.bytesLive;
    for (const list of this.free.values()) for (const b of list) bytes += b.size;
    return bytes;
  }

  acquire(size: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    const sizeClass = BufferPool.sizeClass(size);
    const list = this.free.get(`${usage}:${sizeClass}`);
    const buffer = list?.pop() ?? this.device.createBuffer({ label, size: sizeClass, usage });
    buffer.label = label;
    this.live.add(buffer);
    this.bytesLive += buffer.size;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    if (!this.live.delete(buffer)) return;
    this.bytesLive -= buffer.size;
    const key = `${buffer.usage}:${buffer.size}`;
    const list = this.free.get(key) ?? [];
    list.push(buffer);
    this.free.set(key, list);
  }

  /** Destroys the free buffers; live ones stay with their owners. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
  }

  dispose(): void {
    this.trim();
    for (const b of this.live) b.destroy();
    this.live.clear();
    this.bytesLive = 0;
  }

  static sizeClass(size: number): number {
    return Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(1, size))));
  }
}
