import { isRuntimeError } from '@webseek/api';
import { type GpuContext, llama3RopeFactors, rope, runDispatches, StepBuffer } from '@webseek/gpu';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { expectClose, type GuardedBuffer, guarded, testContext } from '../support/gpu.ts';

// The kernel's angle is exact to ~1e-7 rad at every position (fixed-point turns, rope.wgsl), sin/cos
// come from polynomials good to ~1e-7 (sincos.wgsl), then one rotation in f32: measured max error
// 1.7e-7 for |x| <= 1, at pos 5 and at pos 131071 alike. f32 radians (theta = pos * inv_freq in f32)
// would be off by up to 2^-8 rad at pos 131071 (half an ulp of 131071) before sin/cos, errors ~4e-3.
const TOL = { atol: 5e-7, rtol: 0 };

const LLAMA3 = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };
const RUNS = [
  { pos: 0, tokens: 1 },
  { pos: 5, tokens: 1 },
  { pos: 131071, tokens: 1 },
  { pos: 100, tokens: 17 },
] as const;
const MAX_TOKENS = 17;

type Factors = 'none' | 'llama3' | 'random';

function factorsFor(kind: Factors, base: number, headDim: number): Float32Array | undefined {
  if (kind === 'llama3') return llama3RopeFactors({ ...LLAMA3, base, headDim });
  if (kind === 'random') return ref.uniform(headDim / 2, headDim, 0.5, 8);
  return undefined;
}

/** Rotates rows 0..tokens-1 in f64; rows past `tokens` must come back untouched. */
function expected(x: Float32Array, s: ref.RopeShape, rowLength: number): Float64Array {
  const out = Float64Array.from(x);
  out.set(ref.rope(x.subarray(0, s.tokens * rowLength), s));
  return out;
}

async function rewrite(ctx: GpuContext, g: GuardedBuffer, data: Float32Array): Promise<void> {
  ctx.write(g.binding.buffer, data, g.binding.offset);
}

describe('rope', () => {
  for (const pairing of ['adjacent', 'halves'] as const) {
    for (const headDim of [40, 64, 128]) {
      for (const nHeads of [3, 12]) {
        for (const factors of ['none', 'llama3', 'random'] as const) {
          it(`${pairing} headDim=${headDim} nHeads=${nHeads} factors=${factors}`, async () => {
            const ctx = await testContext();
            const base = factors === 'llama3' ? 500000 : 1000000;
            const ff = factorsFor(factors, base, headDim);
            const rowLength = nHeads * headDim;
            const q = await guarded(ctx, 'q', MAX_TOKENS * rowLength * 4);
            const step = new StepBuffer(ctx);
            const d = await rope(ctx, {
              q: q.binding,
              step: step.buffer,
              tokens: MAX_TOKENS,
              nHeads,
              headDim,
              base,
              pairing,
              ...(ff && { freqFactors: await ctx.upload('ff', ff) }),
            });
            // One prepared dispatch, replayed: only the step buffer changes between runs.
            for (const run of RUNS) {
              const x = ref.uniform(MAX_TOKENS * rowLength, run.pos + headDim, -1, 1);
              await rewrite(ctx, q, x);
              step.write(run);
              await runDispatches(ctx, [d]);
              const shape = { ...run, nHeads, headDim, base, pairing, ...(ff && { freqFactors: ff }) };
              expectClose(await q.readF32(), expected(x, shape, rowLength), TOL, `${d.label} pos=${run.pos}`);
            }
            step.dispose();
          });
        }
      }
    }
  }

  for (const pairing of ['adjacent', 'halves'] as const) {
    it(`${pairing}: q (12 heads) and k (3 kv heads) in one dispatch`, async () => {
      const ctx = await testContext();
      const [nHeads, nKvHeads, headDim, tokens, base] = [12, 3, 64, 5, 10000];
      const xq = ref.uniform(tokens * nHeads * headDim, 11, -2, 2);
      const xk = ref.uniform(tokens * nKvHeads * headDim, 12, -2, 2);
      const q = await guarded(ctx, 'q', xq.byteLength, xq);
      const k = await guarded(ctx, 'k', xk.byteLength, xk);
      const step = new StepBuffer(ctx);
      step.write({ pos: 4093, tokens });
      const d = await rope(ctx, {
        q: q.binding,
        k: k.binding,
        step: step.buffer,
        tokens,
        nHeads,
        nKvHeads,
        headDim,
        base,
        pairing,
      });
      await runDispatches(ctx, [d]);
      const s = { tokens, headDim, pos: 4093, base, pairing };
      const tol = { atol: 2 * TOL.atol, rtol: 0 }; // |x| ≤ 2
      expectClose(await q.readF32(), ref.rope(xq, { ...s, nHeads }), tol, `${d.label} q`);
      expectClose(await k.readF32(), ref.rope(xk, { ...s, nHeads: nKvHeads }), tol, `${d.label} k`);
      step.dispose();
    });
  }

  it('rejects an odd head dim and a short k before dispatching', async () => {
    const ctx = await testContext();
    const buf = await ctx.upload('buf', new Float32Array(256));
    const step = new StepBuffer(ctx);
    const base = { q: buf, step: step.buffer, tokens: 2, nHeads: 2, base: 10000, pairing: 'halves' } as const;
    const odd = await rope(ctx, { ...base, headDim: 39 }).catch((e) => e);
    expect(isRuntimeError(odd, 'INVALID_ARGUMENT')).toBe(true);
    expect(odd.message).toMatch(/rope_halves_f32.*headDim must be even/);
    const k = await ctx.upload('k', new Float32Array(16));
    const short = await rope(ctx, { ...base, headDim: 64, k }).catch((e) => e);
    expect(short.message).toMatch(/rope_halves_qk_f32.*'k'.*64 bytes.*1024/);
    step.dispose();
  });
});

describe('llama3RopeFactors', () => {
  it('matches the f64 formula: 1 at high frequency, factor at low, interpolated between', () => {
    for (const [base, headDim] of [
      [500000, 128],
      [500000, 64],
      [10000, 40],
    ] as const) {
      const ff = llama3RopeFactors({ ...LLAMA3, base, headDim });
      const bands = { one: 0, factor: 0, between: 0 };
      for (let i = 0; i < headDim / 2; i++) {
        const wavelen = 2 * Math.PI * base ** ((2 * i) / headDim);
        let want: number;
        if (wavelen < 8192 / 4) [want, bands.one] = [1, bands.one + 1];
        else if (wavelen > 8192) [want, bands.factor] = [8, bands.factor + 1];
        else {
          const smooth = (8192 / wavelen - 1) / (4 - 1);
          [want, bands.between] = [1 / ((1 - smooth) / 8 + smooth), bands.between + 1];
        }
        expect(ff[i]).toBeCloseTo(want, 5);
        if (i > 0) expect(ff[i]).toBeGreaterThanOrEqual(ff[i - 1]!);
      }
      if (headDim === 128) expect(bands).toEqual({ one: 29, factor: 29, between: 6 });
    }
  });
});
