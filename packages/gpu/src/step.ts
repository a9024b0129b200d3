import { type GpuContext, Usage } from './context.ts';

/** Mirrors `struct Step` in kernels/common/step.wgsl (8 words, 32 bytes). */
export interface StepValues {
  pos: number;
  tokens: number;
  seed?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
}

export const STEP_BYTES = 32;

/** The uniform buffer kernels bind as `step: Step`; one per engine, rewritten each step. */
export class StepBuffer {
  readonly buffer: GPUBuffer;
  private readonly data = new ArrayBuffer(STEP_BYTES);
  private readonly view = new DataView(this.data);

  constructor(private readonly ctx: GpuContext) {
    this.buffer = ctx.device.createBuffer({ label: 'step', size: STEP_BYTES, usage: Usage.UNIFORM | Usage.COPY_DST });
  }

  write(step: StepValues): void {
    const v = this.view;
    v.setUint32(0, step.pos, true);
    v.setUint32(4, step.tokens, true);
    v.setUint32(8, step.pos + step.tokens, true);
    v.setUint32(12, step.seed ?? 0, true);
    v.setFloat32(16, step.temperature ?? 0, true);
    v.setUint32(20, step.topK ?? 0, true);
    v.setFloat32(24, step.topP ?? 1, true);
    v.setUint32(28, 0, true);
    this.ctx.device.queue.writeBuffer(this.buffer, 0, this.data);
  }

  dispose(): void {
    this.buffer.destroy();
  }
}
