/**
 * Matvecs that transform x as they load it, each replacing a launch in the
 * decode step: xSwiglu (x = one token's [gate | up], the product uses
 * silu(gate) * up: the down projection) and xNorm (the product uses
 * rmsnorm(x): the q/k/v and gate/up projections). Checked against the CPU
 * reference over the weight types, plain and subgroup teams, with the
 * epilogues the engine uses, guards around every output.
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

async function checkNorm(type: GgmlTypeName, k: number, n: number, subgroups: boolean, split: boolean): Promise<void> {
  const ctx = await testContext();
  const raw = ref.randomGgufTensor(type, k, n, 3 * k + n);
  const dense = ref.dequantizeMatrix(type, raw, k, n);
  const w = await uploadWeights(ctx, `w_${type}`, weightFormat(type).repack(raw, k, n));
  // A residual stream far from unit scale: the norm must really rescale it.
  const x = ref.uniform(k, 6, -40, 40);
  const g = ref.uniform(k, 7, 0.5, 1.5);
  const bias = ref.uniform(n, 8, -1, 1);
  const eps = 1e-6;
  const at = [Math.floor(n / 2), Math.floor(n / 2) + 3] as const;
  const widths = split ? [at[0], at[1] - at[0], n - at[1]] : [n];
  const outs = await Promise.all(widths.map((width, i) => guarded(ctx, `y${i}`, width * 4)));
  const d = await matVec(ctx, {
    w,
    x: await ctx.upload('x', x),
    xNorm: { weight: await ctx.upload('g', g), eps },
    y: outs[0]!.binding,
    bias: await ctx.upload('bias', bias),
    subgroups,
    ...(split ? { split: { at, y1: outs[1]!.binding, y2: outs[2]!.binding } } : {}),
  });
  expect(d.label).toContain('xnorm');
  await runDispatches(ctx, [d]);
  const xn = ref.rmsNorm(x, g, 1, k, eps);
  const want = ref.matVec(dense, xn, k, n);
  const scale = ref.matVecAbs(dense, xn, k, n);
  const got = new Float32Array(n);
  let column = 0;
  for (const out of outs) {
    const part = await out.readF32();
    got.set(part, column);
    column += part.length;
  }
  for (let r = 0; r < n; r++) {
    const err = Math.abs(got[r]! - (want[r]! + bias[r]!));
    expect(err, `${d.label} row ${r}: got ${got[r]} want ${want[r]! + bias[r]!}`).toBeLessThanOrEqual(
      4e-6 * (scale[r]! + 1),
    );
  }
}

describe('matVec with RMSNorm on load (the decode q/k/v and gate/up projections)', () => {
  for (const [type, k, n, split] of [
    ['q4_0', 160, 23, true],
    ['q4_k', 512, 19, false],
    ['q6_k', 256, 29, true],
    ['q8_0', 96, 7, false],
    ['f16', 40, 13, true],
  ] as const) {
    for (const subgroups of [false, true]) {
      it.skipIf(subgroups && !caps.subgroups)(
        `${type} K=${k} N=${n} ${subgroups ? 'subgroup' : 'plain'}${split ? ' split' : ''}`,
        () => checkNorm(type, k, n, subgroups, split),
      );
    }
  }
});
