/**
 * Timing for benchmarks: a list of prepared dispatches replayed `reps` times in
 * one compute pass, GPU time from timestamp queries when the device has them,
 * wall time always. The median of several runs is reported.
 */
import { type Dispatch, encodeDispatches, type GpuContext, GpuTimer } from '@webseek/gpu';

export interface Timing {
  /** Milliseconds per repetition of the dispatch list. */
  ms: number;
  /** 'gpu' when timestamp queries measured it, else 'wall'. */
  clock: 'gpu' | 'wall';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function timeDispatches(
  ctx: GpuContext,
  dispatches: readonly Dispatch[],
  { reps = 3, runs = 3 }: { reps?: number; runs?: number } = {},
): Promise<Timing> {
  const timer = ctx.caps.timestampQuery ? new GpuTimer(ctx.device, 1) : undefined;
  const once = async (expectedMs: number) => {
    const encoder = ctx.device.createCommandEncoder({ label: 'bench' });
    const timestampWrites = timer?.nextPass();
    const pass = encoder.beginComputePass(timestampWrites ? { timestampWrites } : {});
    for (let r = 0; r < reps; r++) encodeDispatches(pass, dispatches);
    pass.end();
    timer?.resolve(encoder);
    const start = performance.now();
    ctx.device.queue.submit([encoder.finish()]);
    // Dawn in Node spins while a wait is pending, stealing a core from a CPU
    // device: sleep through most of the expected time first.
    if (expectedMs > 5) await sleep(expectedMs * 0.85);
    await ctx.device.queue.onSubmittedWorkDone();
    const wall = performance.now() - start;
    const gpuNs = timer ? (await timer.read())[0] : undefined;
    return { wall: wall / reps, gpu: gpuNs === undefined ? undefined : gpuNs / 1e6 / reps };
  };
  const warm = await once(0);
  const samples: { wall: number; gpu: number | undefined }[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once((samples.at(-1)?.wall ?? warm.wall) * reps));
  timer?.dispose();
  const gpu = samples.map((s) => s.gpu).filter((v): v is number => v !== undefined && v > 0);
  if (gpu.length === samples.length) return { ms: median(gpu), clock: 'gpu' };
  return { ms: median(samples.map((s) => s.wall)), clock: 'wall' };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
