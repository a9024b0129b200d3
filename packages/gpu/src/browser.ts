import { RuntimeError } from '@webseek/api';
import { createGpuContext, type GpuContext, type GpuContextOptions } from './context.ts';

/** WebGPU on a page or in a dedicated Worker: `navigator.gpu`. */
export async function createBrowserGpuContext(options: GpuContextOptions = {}): Promise<GpuContext> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) {
    throw new RuntimeError(
      'GPU_UNAVAILABLE',
      'this browser has no WebGPU (navigator.gpu is missing): use a recent Chrome, Edge or Safari, over https or localhost',
    );
  }
  return createGpuContext(gpu, options);
}
