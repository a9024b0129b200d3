import { MapMode, Usage } from './context.ts';

/**
 * GPU time of compute passes through timestamp queries (when the device has
 * 'timestamp-query'); one slot per pass, each with a begin and an end stamp.
 */
export class GpuTimer {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private readonly readBuffer: GPUBuffer;
  private used = 0;

  constructor(
    device: GPUDevice,
    readonly capacity: number,
  ) {
    this.querySet = device.createQuerySet({ label: 'gpu_timer', type: 'timestamp', count: capacity * 2 });
    const bytes = capacity * 2 * 8;
    this.resolveBuffer = device.createBuffer({
      label: 'gpu_timer_resolve',
      size: bytes,
      usage: Usage.QUERY_RESOLVE | Usage.COPY_SRC,
    });
    this.readBuffer = device.createBuffer({
      label: 'gpu_timer_read',
      size: bytes,
      usage: Usage.MAP_READ | Usage.COPY_DST,
    });
  }

  /** Timestamp writes for the next pass; undefined once every slot is used. */
  nextPass(): GPUComputePassTimestampWrites | undefined {
    if (this.used >= this.capacity) return undefined;
    const slot = this.used++;
    return { querySet: this.querySet, beginningOfPassWriteIndex: slot * 2, endOfPassWriteIndex: slot * 2 + 1 };
  }

  resolve(encoder: GPUCommandEncoder): void {
    if (this.used === 0) return;
    encoder.resolveQuerySet(this.querySet, 0, this.used * 2, this.resolveBuffer, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, this.readBuffer, 0, this.used * 16);
  }

  /** Nanoseconds of each timed pass, in order; resets the slots. */
  async read(): Promise<number[]> {
    const count = this.used;
    this.used = 0;
    if (count === 0) return [];
    await this.readBuffer.mapAsync(MapMode.READ, 0, count * 16);
    const stamps = new BigInt64Array(this.readBuffer.getMappedRange(0, count * 16).slice(0));
    this.readBuffer.unmap();
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(Number(stamps[2 * i + 1]! - stamps[2 * i]!));
    return out;
  }

  dispose(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
    this.readBuffer.destroy();
  }
}
