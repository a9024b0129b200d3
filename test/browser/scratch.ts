/**
 * Per-case GPU resources in the worker: every buffer and dispatch a case makes
 * is freed when the case ends, and outputs sit between guard regions so an
 * out-of-bounds write fails the case (the same idea as test/support/gpu.ts,
 * which imports vitest and Dawn and so cannot load in a browser).
 */
import {
  type Dispatch,
  disposeDispatch,
  type GpuContext,
  runDispatches,
  StepBuffer,
  type StepValues,
  Usage,
} from '@webseek/gpu';

/** Guard bytes on each side; 256 keeps the payload offset storage-aligned. */
const GUARD_BYTES = 256;
const SENTINEL = 0x7fc0dead; // a NaN no kernel writes by accident

export interface Output {
  binding: { buffer: GPUBuffer; offset: number; size: number };
  /** The payload, after checking both guards are untouched. */
  read(): Promise<ArrayBuffer>;
  readF32(): Promise<Float32Array>;
  readU32(): Promise<Uint32Array>;
}

export class Scratch {
  private readonly buffers: GPUBuffer[] = [];
  private readonly dispatches: Dispatch[] = [];
  private stepBuffer: StepBuffer | undefined;
  /** Time spent in `run` (submit to GPU done), apart from preparing (pipeline compiles) and reading back. */
  runMs = 0;

  constructor(readonly ctx: GpuContext) {}

  async upload(label: string, data: ArrayBufferView): Promise<GPUBuffer> {
    return this.keep(await this.ctx.upload(label, data));
  }

  /** An output of `bytes`, optionally starting as `initial`, between two guard regions. */
  async output(label: string, bytes: number, initial?: ArrayBufferView): Promise<Output> {
    const payload = Math.ceil(bytes / 4) * 4;
    const total = GUARD_BYTES * 2 + Math.ceil(payload / 256) * 256;
    const usage = Usage.STORAGE | Usage.COPY_DST | Usage.COPY_SRC;
    const buffer = this.keep(await this.ctx.createBuffer(label, total, usage));
    const fill = new Uint32Array(total / 4).fill(SENTINEL);
    if (initial) fill.set(new Uint32Array(bytesOf(initial)), GUARD_BYTES / 4);
    this.ctx.write(buffer, fill);
    const read = async () => {
      const all = new Uint32Array(await this.ctx.read(buffer));
      const start = GUARD_BYTES / 4;
      const end = start + payload / 4;
      const bad = all.findIndex((w, i) => (i < start || i >= end) && w !== SENTINEL);
      if (bad >= 0) throw new Error(`${label}: out-of-bounds write at word ${bad - start} relative to the output`);
      return all.slice(start, start + bytes / 4).buffer;
    };
    return {
      binding: { buffer, offset: GUARD_BYTES, size: payload },
      read,
      readF32: async () => new Float32Array(await read()),
      readU32: async () => new Uint32Array(await read()),
    };
  }

  /** Runs prepared dispatches in one pass and waits; they are freed with the case. */
  async run(...dispatches: Dispatch[]): Promise<void> {
    this.dispatches.push(...dispatches);
    const began = performance.now();
    await runDispatches(this.ctx, dispatches);
    this.runMs += performance.now() - began;
  }

  /** Writes the case's step uniform (made on first use, as the engine's one per run) and returns it. */
  step(values: StepValues): GPUBuffer {
    this.stepBuffer ??= new StepBuffer(this.ctx);
    this.stepBuffer.write(values);
    return this.stepBuffer.buffer;
  }

  keep<T extends GPUBuffer>(buffer: T): T {
    this.buffers.push(buffer);
    return buffer;
  }

  dispose(): void {
    for (const d of this.dispatches.splice(0)) disposeDispatch(d);
    for (const b of this.buffers.splice(0)) b.destroy();
    this.stepBuffer?.dispose();
    this.stepBuffer = undefined;
  }
}

function bytesOf(view: ArrayBufferView): ArrayBuffer {
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer;
}
