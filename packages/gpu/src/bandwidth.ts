import { type GpuContext, prepareDispatch, Usage } from '@webseek/gpu';
import { streamReadKernel } from '@webseek/kernels';
import { timeDispatches } from './timing.ts';

/** GB/s of a plain streaming read of `bytes` on this device (the memory roofline). */
export async function measureStreamReadGbps(ctx: GpuContext, bytes = 256 * 2 ** 20): Promise<number> {
  const size = Math.min(bytes, ctx.caps.maxStorageBufferBindingSize, ctx.caps.maxBufferSize - 2 ** 20);
  const src = await ctx.createBuffer('stream_src', size, Usage.STORAGE | Usage.COPY_DST);
  // Random-looking contents so nothing can be compressed or skipped.
  const chunk = new Uint32Array(2 ** 20);
  for (let i = 0; i < chunk.length; i++) chunk[i] = Math.imul(i + 1, 2654435761) >>> 0;
  for (let off = 0; off < size; off += chunk.byteLength)
    ctx.write(src, chunk.subarray(0, Math.min(chunk.length, (size - off) / 4)), off);
  const workgroups = 2048;
  const sink = await ctx.createBuffer('stream_sink', workgroups * 256 * 4, Usage.STORAGE);
  const d = await prepareDispatch(ctx, streamReadKernel(256), [src, sink], [workgroups, 1, 1]);
  const t = await timeDispatches(ctx, [d], { reps: 2, runs: 3 });
  src.destroy();
  sink.destroy();
  return size / 1e9 / (t.ms / 1e3);
}
