import { isRuntimeError } from '@webseek/api';
import { rmsNorm, runDispatches } from '@webseek/gpu';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { expectClose, guarded, testContext } from '../support/gpu.ts';

// f32 sums over a few thousand terms in a different order: relative error ~1e-6.
const TOL = { atol: 1e-5, rtol: 1e-5 };

describe('rmsNorm', () => {
  for (const subgroups of [false, true]) {
    for (const [rows, dim] of [
      [1, 1],
      [3, 100],
      [7, 1536],
      [2, 4097],
    ] as const) {
      it(`${subgroups ? 'subgroup' : 'plain'} rows=${rows} dim=${dim}`, async () => {
        const ctx = await testContext();
        if (subgroups && !ctx.caps.subgroups) return;
        const x = ref.uniform(rows * dim, 1, -3, 3);
        const w = ref.uniform(dim, 2, 0.5, 1.5);
        const xBuf = await ctx.upload('x', x);
        const wBuf = await ctx.upload('w', w);
        const y = await guarded(ctx, 'y', rows * dim * 4);
        const d = await rmsNorm(ctx, { x: xBuf, weight: wBuf, y: y.binding, rows, dim, eps: 1e-6, subgroups });
        await runDispatches(ctx, [d]);
        expectClose(await y.readF32(), ref.rmsNorm(x, w, rows, dim, 1e-6), TOL, d.label);
      });
    }
  }

  it('rejects a shape its buffers cannot hold, before dispatching', async () => {
    const ctx = await testContext();
    const small = await ctx.upload('small', new Float32Array(8));
    const error = await rmsNorm(ctx, { x: small, weight: small, y: small, rows: 4, dim: 8, eps: 1e-6 }).catch((e) => e);
    expect(isRuntimeError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(error.message).toMatch(/rmsnorm.*'x'.*32 bytes.*128/);
  });
});
