/** The WebGPU device the CLI runs on: Dawn in Node (SwiftShader when there is no GPU). */
import { totalmem } from 'node:os';
import type { GpuContext } from '@webseek/gpu';
import { createNodeGpuContext } from '@webseek/gpu/node';

export interface Device {
  ctx: GpuContext;
  /** What loadModel may plan for; undefined when the device does not say (hardware GPUs in Dawn). */
  gpuMemoryBytes: number | undefined;
}

/** Share of host RAM a software adapter may use: SwiftShader's "GPU memory" is host RAM. */
const SOFTWARE_MEMORY_SHARE = 0.7;

export async function openDevice(): Promise<Device> {
  const ctx = await createNodeGpuContext({ label: 'webseek-cli' });
  const gpuMemoryBytes = ctx.adapterInfo.isSoftware ? Math.floor(totalmem() * SOFTWARE_MEMORY_SHARE) : undefined;
  return { ctx, gpuMemoryBytes };
}

export function describeDevice(ctx: GpuContext): string {
  const a = ctx.adapterInfo;
  const name = [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || 'unknown adapter';
  return `${name}${a.isSoftware ? ' (software)' : ''}`;
}
