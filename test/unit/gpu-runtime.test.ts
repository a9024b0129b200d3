import { isRuntimeError } from '@webseek/api';
import { BufferPool, GpuTimer, prepareDispatch, rmsNorm, runDispatches, Usage } from '@webseek/gpu';
import { createNodeGpuContext } from '@webseek/gpu/node';
import { describe, expect, it } from 'vitest';
import { testContext } from '../support/gpu.ts';

describe('gpu runtime on the real device', () => {
  it('probes capabilities once into a plain object with raised limits', async () => {
    const ctx = await testContext();
    const caps = ctx.caps;
    expect(typeof caps.shaderF16).toBe('boolean');
    expect(typeof caps.subgroups).toBe('boolean');
    expect(caps.maxStorageBufferBindingSize).toBe(ctx.adapter.limits.maxStorageBufferBindingSize);
    expect(caps.maxBufferSize).toBe(ctx.adapter.limits.maxBufferSize);
    expect(JSON.parse(JSON.stringify(caps))).toEqual(caps);
    expect(ctx.adapterInfo.architecture.length + ctx.adapterInfo.vendor.length).toBeGreaterThan(0);
  });

  it('caches pipelines by key and labels them with the variant name', async () => {
    const ctx = await testContext();
    const source = { label: 'cache_probe', code: '@compute @workgroup_size(1) fn main() {}' };
    const a = await ctx.pipelines.get(source);
    const b = await ctx.pipelines.get({ ...source });
    expect(a).toBe(b);
    expect(a.label).toBe('cache_probe');
    const c = await ctx.pipelines.get({
      ...source,
      code: '@compute @workgroup_size(2) fn main() {}',
      label: 'cache_probe2',
    });
    expect(c).not.toBe(a);
  });

  it('turns a shader that does not compile into GPU_VALIDATION naming the kernel', async () => {
    const ctx = await testContext();
    const error = await ctx.pipelines
      .get({ label: 'broken_kernel_f32', code: '@compute @workgroup_size(1) fn main() { let x: u32 = 1.5; }' })
      .catch((e) => e);
    expect(isRuntimeError(error, 'GPU_VALIDATION')).toBe(true);
    expect(error.message).toContain('broken_kernel_f32');
  });

  it('turns a bad bind group into GPU_VALIDATION naming the kernel, with nothing dispatched', async () => {
    const ctx = await testContext();
    const tooSmall = await ctx.upload('tiny', new Float32Array(1));
    const source = {
      label: 'needs_two_buffers',
      code: `@group(0) @binding(0) var<storage, read_write> a: array<f32>;
             @group(0) @binding(1) var<storage, read_write> b: array<f32>;
             @compute @workgroup_size(1) fn main() { a[0] = b[0]; }`,
    };
    const error = await prepareDispatch(ctx, source, [tooSmall], [1, 1, 1]).catch((e) => e);
    expect(isRuntimeError(error, 'GPU_VALIDATION')).toBe(true);
    expect(error.message).toContain('needs_two_buffers');
  });

  it('refuses a buffer over the device limit with GPU_OOM naming it', async () => {
    const ctx = await testContext();
    const error = await ctx.createBuffer('huge_weights', ctx.caps.maxBufferSize + 4, Usage.STORAGE).catch((e) => e);
    expect(isRuntimeError(error, 'GPU_OOM')).toBe(true);
    expect(error.message).toContain('huge_weights');
    expect(error.details.size).toBe(ctx.caps.maxBufferSize + 4);
  });

  it('pools buffers by usage and size class', async () => {
    const ctx = await testContext();
    const pool = new BufferPool(ctx.device);
    const a = pool.acquire(1000, Usage.STORAGE, 'scratch_a');
    expect(a.size).toBe(1024);
    pool.release(a);
    const b = pool.acquire(900, Usage.STORAGE, 'scratch_b');
    expect(b).toBe(a);
    expect(b.label).toBe('scratch_b');
    const c = pool.acquire(900, Usage.STORAGE | Usage.COPY_SRC, 'scratch_c');
    expect(c).not.toBe(a);
    pool.dispose();
  });

  it('times passes with timestamp queries where the device has them', async () => {
    const ctx = await testContext();
    if (!ctx.caps.timestampQuery) return;
    const x = await ctx.upload('x', new Float32Array(4096).fill(1));
    const y = await ctx.createBuffer('y', 4096 * 4, Usage.STORAGE | Usage.COPY_SRC);
    const d = await rmsNorm(ctx, { x, weight: x, y, rows: 16, dim: 256, eps: 1e-6 });
    const timer = new GpuTimer(ctx.device, 2);
    await runDispatches(ctx, [d], timer);
    await runDispatches(ctx, [d], timer);
    const ns = await timer.read();
    expect(ns).toHaveLength(2);
    for (const t of ns) expect(t).toBeGreaterThan(0);
    timer.dispose();
  });

  it('reports device loss as DEVICE_LOST, observable, and refuses further work', async () => {
    const ctx = await createNodeGpuContext({ label: 'doomed' });
    const x = await ctx.upload('x', new Float32Array(16));
    ctx.device.destroy();
    const lost = await ctx.lost;
    expect(lost.code).toBe('DEVICE_LOST');
    expect(lost.message).toContain('doomed');
    expect(ctx.isLost).toBe(true);
    const error = await rmsNorm(ctx, { x, weight: x, y: x, rows: 1, dim: 16, eps: 1e-6 }).catch((e) => e);
    expect(isRuntimeError(error, 'DEVICE_LOST')).toBe(true);
    const readError = await ctx.read(x).catch((e) => e);
    expect(isRuntimeError(readError, 'DEVICE_LOST')).toBe(true);
  });

  it('can fall back to the plain variants when subgroups are disabled', async () => {
    const ctx = await createNodeGpuContext({ label: 'no-subgroups', disableFeatures: ['subgroups'] });
    expect(ctx.caps.subgroups).toBe(false);
    const x = await ctx.upload('x', new Float32Array([3, 4]));
    const y = await ctx.createBuffer('y', 8, Usage.STORAGE | Usage.COPY_SRC);
    const d = await rmsNorm(ctx, {
      x,
      weight: await ctx.upload('w', new Float32Array([1, 1])),
      y,
      rows: 1,
      dim: 2,
      eps: 0,
    });
    expect(d.label).toBe('rmsnorm_f32');
    await runDispatches(ctx, [d]);
    const out = new Float32Array(await ctx.read(y));
    const rms = Math.sqrt((9 + 16) / 2);
    expect(out[0]).toBeCloseTo(3 / rms, 6);
    expect(out[1]).toBeCloseTo(4 / rms, 6);
    ctx.dispose();
  });
});

describe('buffer accounting', () => {
  it('counts live and peak bytes of every buffer the device makes', async () => {
    const ctx = await testContext();
    const before = ctx.memory.liveBytes;
    const a = await ctx.createBuffer('acct_a', 1 << 20, Usage.STORAGE);
    const b = ctx.device.createBuffer({ label: 'acct_b', size: 4096, usage: Usage.STORAGE });
    expect(ctx.memory.liveBytes - before).toBe((1 << 20) + 4096);
    expect(ctx.memory.peakBytes).toBeGreaterThanOrEqual(ctx.memory.liveBytes);
    a.destroy();
    a.destroy();
    b.destroy();
    expect(ctx.memory.liveBytes).toBe(before);
  });
});
