/**
 * The down projection with SwiGLU applied as x is loaded (matVec xSwiglu):
 * x = one token's [gate | up] (2K), the product uses silu(gate) * up. Checked
 * against the CPU reference over the weight types, plain and subgroup teams,
 * with the residual accumulate the engine uses, guards around y.
 */
import { isRuntimeError } from '@webseek/api';
import type { GgmlTypeName } from '@webseek/formats';
import { matVec, runDispatches, uploadWeights } from '@webseek/gpu';
import { weightFormat } from '@webseek/kernels';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { guarded, testContext } from '../support/gpu.ts';

const { caps } = await testContext();

async function check(type: GgmlTypeName, k: number, n: number, subgroups: boolean): Promise<void> {
  const ctx = await testContext();
  const raw = ref.randomGgufTensor(type, k, n, k + n);
  const dense = ref.dequantizeMatrix(type, raw, k, n);
  const w = await uploadWeights(ctx, `w_${type}`, weightFormat(type).repack(raw, k, n));
  // Gates over ±6 reach both of silu's branches and its saturation.
  const gate = ref.uniform(k, 3, -6, 6);
  const up = ref.uniform(k, 4, -1, 1);
  const gateUp = new Float32Array(2 * k);
  gateUp.set(gate);
  gateUp.set(up, k);
  const y0 = ref.uniform(n, 5, -1, 1);
  const y = await guarded(ctx, 'y', n * 4, y0);
  const d = await matVec(ctx, {
    w,
    x: await ctx.upload('gate_up', gateUp),
    xSwiglu: true,
    y: y.binding,
    accumulate: true,
    subgroups,
  });
  expect(d.label).toContain('xswiglu');
  await runDispatches(ctx, [d]);
  const h = ref.swiglu(gate, up);
  const want = ref.matVec(dense, h, k, n);
  const scale = ref.matVecAbs(dense, h, k, n);
  const got = await y.readF32();
  for (let r = 0; r < n; r++) {
    const err = Math.abs(got[r]! - (want[r]! + y0[r]!));
    expect(err, `${d.label} row ${r}: got ${got[r]} want ${want[r]! + y0[r]!}`).toBeLessThanOrEqual(
      4e-6 * (scale[r]! + 1),
    );
  }
}

describe('matVec with SwiGLU on load (the decode down projection)', () => {
  for (const [type, k, n] of [
    ['q4_0', 160, 23],
    ['q4_k', 512, 19],
    ['q6_k', 256, 29],
    ['q8_0', 96, 7],
    ['f16', 40, 13],
  ] as const) {
    for (const subgroups of [false, true]) {
      it.skipIf(subgroups && !caps.subgroups)(`${type} K=${k} N=${n} ${subgroups ? 'subgroup' : 'plain'}`, () =>
        check(type, k, n, subgroups),
      );
    }
  }

  it('needs K a multiple of 8 and x of 2K values', async () => {
    const ctx = await testContext();
    const w = await uploadWeights(ctx, 'w', weightFormat('f32').repack(ref.randomGgufTensor('f32', 12, 3, 1), 12, 3));
    const buf = (n: number) => ctx.upload('b', new Float32Array(n));
    const odd = await matVec(ctx, { w, x: await buf(24), xSwiglu: true, y: await buf(3) }).catch((e: unknown) => e);
    expect(isRuntimeError(odd, 'INVALID_ARGUMENT')).toBe(true);
    expect((odd as Error).message).toMatch(/xSwiglu needs K a multiple of 8, got 12/);
    const w16 = await uploadWeights(
      ctx,
      'w16',
      weightFormat('f32').repack(ref.randomGgufTensor('f32', 16, 3, 1), 16, 3),
    );
    const short = await matVec(ctx, { w: w16, x: await buf(16), xSwiglu: true, y: await buf(3) }).catch(
      (e: unknown) => e,
    );
    expect(isRuntimeError(short, 'INVALID_ARGUMENT')).toBe(true);
    expect((short as Error).message).toMatch(/'x' holds 64 bytes but the shape needs 128/);
  });
});
