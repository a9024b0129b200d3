import { isRuntimeError } from '@webseek/api';
import { add, runDispatches, swiglu } from '@webseek/gpu';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { expectClose, guarded, testContext } from '../support/gpu.ts';

// silu via exp: WGSL's exp is within a few ulp, the f64 reference is exact, so ~1e-6 relative.
const SWIGLU_TOL = { atol: 1e-6, rtol: 4e-6 };
// One correctly rounded f32 add against the f64 sum of the same f32 inputs: half an ulp.
const ADD_TOL = { atol: 0, rtol: 6e-8 };

// Odd shapes take the scalar path, multiples of 4 the vec4 path.
const SHAPES = [
  [1, 1],
  [3, 37],
  [5, 100],
  [2, 1003],
  [7, 1536],
] as const;

describe('swiglu', () => {
  for (const [rows, ffn] of SHAPES) {
    it(`split rows=${rows} ffn=${ffn}`, async () => {
      const ctx = await testContext();
      // Wide range: silu's two regimes and exp(-x) overflow at x << 0.
      const gate = ref.uniform(rows * ffn, 1, -120, 30);
      const up = ref.uniform(rows * ffn, 2, -3, 3);
      const y = await guarded(ctx, 'y', rows * ffn * 4);
      const d = await swiglu(ctx, {
        gate: await ctx.upload('gate', gate),
        up: await ctx.upload('up', up),
        y: y.binding,
        rows,
        ffn,
      });
      await runDispatches(ctx, [d]);
      expectClose(await y.readF32(), ref.swiglu(gate, up), SWIGLU_TOL, d.label);
    });

    it(`fused [gate | up] rows=${rows} ffn=${ffn}`, async () => {
      const ctx = await testContext();
      const gateUp = ref.uniform(rows * 2 * ffn, 3, -12, 12);
      const y = await guarded(ctx, 'y', rows * ffn * 4);
      const d = await swiglu(ctx, { gateUp: await ctx.upload('gateUp', gateUp), y: y.binding, rows, ffn });
      await runDispatches(ctx, [d]);
      const [gate, up] = ref.splitGateUp(gateUp, rows, ffn);
      expectClose(await y.readF32(), ref.swiglu(gate, up), SWIGLU_TOL, d.label);
    });
  }

  it('rejects inputs given both ways, and a short buffer, before dispatching', async () => {
    const ctx = await testContext();
    const buf = await ctx.upload('buf', new Float32Array(64));
    const out = await ctx.upload('out', new Float32Array(64));
    const both = await swiglu(ctx, { gate: buf, up: buf, gateUp: buf, y: out, rows: 2, ffn: 8 }).catch((e) => e);
    expect(isRuntimeError(both, 'INVALID_ARGUMENT')).toBe(true);
    expect(both.message).toMatch(/swiglu.*gateUp/);
    const short = await swiglu(ctx, { gateUp: buf, y: out, rows: 3, ffn: 16 }).catch((e) => e);
    expect(short.message).toMatch(/swiglu_fused_f32_vec4.*'gateUp'.*256 bytes.*384/);
  });
});

describe('add', () => {
  for (const n of [1, 7, 1000, 4097]) {
    it(`y = a + b, n=${n}`, async () => {
      const ctx = await testContext();
      const a = ref.uniform(n, 4, -5, 5);
      const b = ref.uniform(n, 5, -5, 5);
      const y = await guarded(ctx, 'y', n * 4);
      const d = await add(ctx, { a: await ctx.upload('a', a), b: await ctx.upload('b', b), y: y.binding, n });
      await runDispatches(ctx, [d]);
      expectClose(await y.readF32(), ref.add(a, b), ADD_TOL, d.label);
    });

    it(`a += b in place, n=${n}`, async () => {
      const ctx = await testContext();
      const a = ref.uniform(n, 6, -5, 5);
      const b = ref.uniform(n, 7, -5, 5);
      const x = await guarded(ctx, 'x', n * 4, a);
      const d = await add(ctx, { a: x.binding, b: await ctx.upload('b', b), n });
      await runDispatches(ctx, [d]);
      // Replayed: the prepared dispatch is reused unchanged, so a second run adds b again.
      await runDispatches(ctx, [d]);
      expectClose(await x.readF32(), ref.add(ref.add(a, b), b), { atol: 0, rtol: 2e-7 }, d.label);
    });
  }

  it('rejects an output that overlaps an input', async () => {
    const ctx = await testContext();
    const buf = await ctx.upload('buf', new Float32Array(16));
    const error = await add(ctx, { a: buf, b: buf, n: 16 }).catch((e) => e);
    expect(isRuntimeError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(error.message).toMatch(/add_inplace_f32_vec4.*'a'.*overlaps/);
  });
});
