import { RuntimeError } from '@webseek/api';
import { BufferPool } from './buffer-pool.ts';
import {
  type AdapterDescription,
  type Capabilities,
  describeAdapter,
  probeCapabilities,
  raisedLimits,
  wantedFeatures,
} from './capabilities.ts';
import { deviceLostToRuntimeError, gpuErrorToRuntimeError, withErrorScopes } from './errors.ts';
import { PipelineCache } from './pipeline-cache.ts';

export interface GpuContextOptions {
  label?: string;
  powerPreference?: GPUPowerPreference;
  /** Features not to request even when the adapter has them (tests of fallback paths). */
  disableFeatures?: readonly GPUFeatureName[];
}

/** Buffer usages, numerically (the spec fixes them), so this module loads before any WebGPU global exists. */
export const Usage = {
  MAP_READ: 0x1,
  MAP_WRITE: 0x2,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
  QUERY_RESOLVE: 0x200,
} as const;

export const MapMode = { READ: 0x1, WRITE: 0x2 } as const;

/**
 * One WebGPU device with what every caller needs next to it: probed
 * capabilities, a pipeline cache, a buffer pool, typed errors and loss signal.
 * Created by `createGpuContext` (browser, worker) or `createNodeGpuContext` (Dawn).
 */
export class GpuContext {
  readonly pipelines: PipelineCache;
  readonly buffers: BufferPool;
  /** Resolves (never rejects) with a DEVICE_LOST error when the device goes away. */
  readonly lost: Promise<RuntimeError>;
  /** Bytes of buffers made on this device and not destroyed, and the most there ever were. */
  readonly memory = { liveBytes: 0, peakBytes: 0 };
  private lostError: RuntimeError | undefined;
  private readonly uncaptured: RuntimeError[] = [];

  constructor(
    readonly device: GPUDevice,
    readonly adapter: GPUAdapter,
    readonly caps: Capabilities,
    readonly adapterInfo: AdapterDescription,
    readonly label: string,
  ) {
    countBufferBytes(device, this.memory);
    this.pipelines = new PipelineCache(device);
    this.buffers = new BufferPool(device);
    this.lost = device.lost.then((info) => {
      this.lostError = deviceLostToRuntimeError(info, label);
      return this.lostError;
    });
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      this.uncaptured.push(gpuErrorToRuntimeError(error, label));
    });
  }

  get isLost(): boolean {
    return this.lostError !== undefined;
  }

  /** Throws DEVICE_LOST if the device is gone: call before recording work. */
  assertAlive(): void {
    if (this.lostError) throw this.lostError;
  }

  /** Errors no scope caught since the last call (a device-side fault during a submit). */
  takeUncapturedErrors(): RuntimeError[] {
    return this.uncaptured.splice(0);
  }

  /** A buffer, with creation failures (over the limit, out of memory) as typed errors. */
  async createBuffer(label: string, size: number, usage: GPUBufferUsageFlags): Promise<GPUBuffer> {
    this.assertAlive();
    if (size > this.caps.maxBufferSize) {
      throw new RuntimeError(
        'GPU_OOM',
        `buffer '${label}' needs ${size} bytes but the device allows at most ${this.caps.maxBufferSize} per buffer`,
        { details: { label, size, maxBufferSize: this.caps.maxBufferSize } },
      );
    }
    return withErrorScopes(this.device, label, () => this.device.createBuffer({ label, size: align(size, 4), usage }));
  }

  /** A storage buffer holding `data` (padded to 4 bytes). */
  async upload(label: string, data: ArrayBufferView, usage: GPUBufferUsageFlags = 0): Promise<GPUBuffer> {
    const buffer = await this.createBuffer(
      label,
      Math.max(4, data.byteLength),
      usage | Usage.STORAGE | Usage.COPY_DST | Usage.COPY_SRC,
    );
    this.write(buffer, data);
    return buffer;
  }

  write(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    const padded = data.byteLength % 4 === 0 ? data : padTo4(data);
    this.device.queue.writeBuffer(buffer, byteOffset, padded.buffer, padded.byteOffset, padded.byteLength);
  }

  /** Copies `size` bytes of `buffer` back to the CPU (one staging buffer, one map). */
  async read(buffer: GPUBuffer, byteOffset = 0, size = buffer.size - byteOffset): Promise<ArrayBuffer> {
    this.assertAlive();
    const staging = this.device.createBuffer({
      label: `${buffer.label}_readback`,
      size: align(size, 4),
      usage: Usage.MAP_READ | Usage.COPY_DST,
    });
    try {
      const encoder = this.device.createCommandEncoder({ label: `${buffer.label}_readback` });
      encoder.copyBufferToBuffer(buffer, byteOffset, staging, 0, align(size, 4));
      this.device.queue.submit([encoder.finish()]);
      await Promise.race([staging.mapAsync(MapMode.READ), this.lost.then((e) => Promise.reject(e))]);
      return staging.getMappedRange(0, size).slice(0);
    } finally {
      staging.destroy();
    }
  }

  /** Submits command buffers and waits for the GPU to finish them. */
  async submitAndWait(commands: GPUCommandBuffer[]): Promise<void> {
    this.assertAlive();
    this.device.queue.submit(commands);
    await Promise.race([this.device.queue.onSubmittedWorkDone(), this.lost.then((e) => Promise.reject(e))]);
    const [fault] = this.takeUncapturedErrors();
    if (fault) throw fault;
  }

  dispose(): void {
    this.buffers.dispose();
    this.device.destroy();
  }
}

/**
 * Counts every buffer the device makes (ours, the pool's, the ops' uniforms)
 * so benchmarks report measured peak GPU memory, not an estimate.
 */
function countBufferBytes(device: GPUDevice, memory: { liveBytes: number; peakBytes: number }): void {
  const create = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor) => {
    const buffer = create(descriptor);
    const size = buffer.size;
    memory.liveBytes += size;
    memory.peakBytes = Math.max(memory.peakBytes, memory.liveBytes);
    const destroy = buffer.destroy.bind(buffer);
    let destroyed = false;
    buffer.destroy = () => {
      if (!destroyed) memory.liveBytes -= size;
      destroyed = true;
      destroy();
    };
    return buffer;
  };
}

export async function createGpuContext(gpu: GPU, options: GpuContextOptions = {}): Promise<GpuContext> {
  const label = options.label ?? 'webseek';
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new RuntimeError('GPU_UNAVAILABLE', 'WebGPU is present but no adapter was found (no usable GPU driver)');
  }
  return createContextOnAdapter(adapter, label, options);
}

export async function createContextOnAdapter(
  adapter: GPUAdapter,
  label: string,
  options: GpuContextOptions = {},
): Promise<GpuContext> {
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      label,
      requiredFeatures: wantedFeatures(adapter, options.disableFeatures),
      requiredLimits: raisedLimits(adapter),
    });
  } catch (error) {
    throw new RuntimeError('GPU_UNAVAILABLE', `could not create a WebGPU device: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return new GpuContext(device, adapter, probeCapabilities(device, adapter), describeAdapter(adapter), label);
}

export function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

function padTo4(data: ArrayBufferView): Uint8Array {
  const out = new Uint8Array(align(data.byteLength, 4));
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return out;
}
