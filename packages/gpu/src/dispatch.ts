import { RuntimeError } from '@webseek/api';
import type { KernelSource } from '@webseek/kernels';
import { align, type GpuContext, Usage } from './context.ts';
import { withErrorScopes } from './errors.ts';
import type { GpuTimer } from './timer.ts';

/** A buffer, or a byte range of one, bound at one binding slot. */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

/**
 * One prepared kernel launch: pipeline and bind group made once, replayed by
 * `encodeDispatches` as often as needed (the decode loop allocates nothing).
 */
export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: readonly [number, number, number];
  /** Buffers owned by this dispatch (its uniforms), freed by `disposeDispatch`. */
  owned: GPUBuffer[];
}

export async function prepareDispatch(
  ctx: GpuContext,
  source: KernelSource,
  bindings: readonly (Binding | undefined)[],
  workgroups: readonly [number, number, number],
  owned: GPUBuffer[] = [],
): Promise<Dispatch> {
  ctx.assertAlive();
  const pipeline = await ctx.pipelines.get(source);
  const entries: GPUBindGroupEntry[] = [];
  bindings.forEach((b, binding) => {
    if (!b) return;
    entries.push({ binding, resource: 'buffer' in b ? { ...b } : { buffer: b } });
  });
  const bindGroup = await withErrorScopes(ctx.device, source.label, () =>
    ctx.device.createBindGroup({ label: source.label, layout: pipeline.getBindGroupLayout(0), entries }),
  );
  return { label: source.label, pipeline, bindGroup, workgroups, owned };
}

export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: readonly Dispatch[]): void {
  for (const d of dispatches) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
  }
}

/** Records all dispatches into one compute pass, submits once and waits. */
export async function runDispatches(ctx: GpuContext, dispatches: readonly Dispatch[], timer?: GpuTimer): Promise<void> {
  const encoder = ctx.device.createCommandEncoder({ label: dispatches[0]?.label ?? 'empty' });
  const timestampWrites = timer?.nextPass();
  const pass = encoder.beginComputePass(timestampWrites ? { timestampWrites } : {});
  encodeDispatches(pass, dispatches);
  pass.end();
  timer?.resolve(encoder);
  await ctx.submitAndWait([encoder.finish()]);
}

export function disposeDispatch(d: Dispatch): void {
  for (const b of d.owned) b.destroy();
}

/** A uniform buffer holding `words` (u32 / f32 / i32 as given), padded to 16 bytes. */
export function uniformBuffer(ctx: GpuContext, label: string, words: readonly UniformWord[]): GPUBuffer {
  const data = new ArrayBuffer(align(Math.max(16, words.length * 4), 16));
  const view = new DataView(data);
  words.forEach((w, i) => {
    if (typeof w === 'number') view.setUint32(i * 4, w, true);
    else if ('f32' in w) view.setFloat32(i * 4, w.f32, true);
    else view.setInt32(i * 4, w.i32, true);
  });
  const buffer = ctx.device.createBuffer({ label, size: data.byteLength, usage: Usage.UNIFORM | Usage.COPY_DST });
  ctx.device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/** A u32 by default; `{f32}` and `{i32}` for other 32-bit scalars. */
export type UniformWord = number | { f32: number } | { i32: number };

/** Spreads `count` workgroups over x and y so neither exceeds the device's per-dimension limit. */
export function grid(ctx: GpuContext, count: number): [number, number, number] {
  const max = ctx.caps.maxComputeWorkgroupsPerDimension;
  if (count <= max) return [Math.max(1, count), 1, 1];
  const y = Math.ceil(count / max);
  return [Math.ceil(count / y), y, 1];
}

/** Throws INVALID_ARGUMENT, naming kernel and binding, when `buffer` is smaller than `bytes`. */
export function requireBytes(kernel: string, name: string, b: Binding, bytes: number): void {
  const size = 'buffer' in b ? (b.size ?? b.buffer.size - (b.offset ?? 0)) : b.size;
  if (size < bytes) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `kernel '${kernel}': buffer '${name}' holds ${size} bytes but the shape needs ${bytes}`,
      { details: { kernel, binding: name, size, needed: bytes } },
    );
  }
}

/** Throws INVALID_ARGUMENT, naming kernel and parameter, unless `value` is a positive integer. */
export function requirePositiveInt(kernel: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RuntimeError('INVALID_ARGUMENT', `kernel '${kernel}': ${name} must be a positive integer, got ${value}`, {
      details: { kernel, parameter: name, value },
    });
  }
}
