import { isRuntimeError } from '@webseek/api';
import { argmax, type Dispatch, type GpuContext, runDispatches, StepBuffer, sample } from '@webseek/gpu';
import { exp2Table, SAMPLE } from '@webseek/kernels';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { type GuardedBuffer, guarded, testContext } from '../support/gpu.ts';

/** Logits drawn from a fixed seed: normal-ish (sum of uniforms) with a few peaks, like an LM head's. */
function lmLogits(vocab: number, seed: number, spread = 3): Float32Array {
  const next = ref.rng(seed);
  const x = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) x[i] = spread * (next() + next() + next() - 1.5);
  for (let k = 0; k < Math.min(8, vocab); k++) x[Math.floor(next() * vocab)] = 6 + 4 * next();
  return x;
}

/** Few distinct values, so the maximum and top-k boundaries fall on long runs of exact ties. */
function tiedLogits(vocab: number, seed: number): Float32Array {
  const next = ref.rng(seed);
  const x = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) x[i] = Math.floor(next() * 6) / 2;
  return x;
}

/** Sprinkles -inf, NaN, -0 and +0 through a copy of x. */
function withSpecials(x: Float32Array, seed: number): Float32Array {
  const next = ref.rng(seed);
  const y = Float32Array.from(x);
  const specials = [Number.NEGATIVE_INFINITY, Number.NaN, -0, 0];
  for (let k = 0; k < Math.max(1, y.length >> 5); k++) y[Math.floor(next() * y.length)] = specials[k % 4]!;
  return y;
}

interface Sampler {
  ctx: GpuContext;
  step: StepBuffer;
  out: GuardedBuffer;
  dispatches: Dispatch[];
}

async function prepareSampler(logits: Float32Array, subgroups: boolean, greedyOnly = false): Promise<Sampler> {
  const ctx = await testContext();
  const step = new StepBuffer(ctx);
  const out = await guarded(ctx, 'out', 8);
  const args = { logits: await ctx.upload('logits', logits), out: out.binding, vocab: logits.length, subgroups };
  const dispatches = greedyOnly ? await argmax(ctx, args) : await sample(ctx, { ...args, step: step.buffer });
  return { ctx, step, out, dispatches };
}

/** One token step: rewrite the step buffer, replay the prepared dispatches, read back [id, prob]. */
async function run(s: Sampler, settings: ref.SamplerSettings): Promise<ref.Sampled> {
  s.step.write({ pos: 0, tokens: 1, ...settings });
  await runDispatches(s.ctx, s.dispatches);
  const words = await s.out.read();
  return { id: new Uint32Array(words)[0]!, prob: new Float32Array(words)[1]! };
}

const COMBOS: Omit<ref.SamplerSettings, 'seed'>[] = [
  { temperature: 1, topK: 0, topP: 1 },
  { temperature: 0.7, topK: 40, topP: 0.9 },
  { temperature: 1.3, topK: 5, topP: 1 },
  { temperature: 0.5, topK: 0, topP: 0.5 },
  { temperature: 2, topK: 1500, topP: 0.95 },
  { temperature: 0.6, topK: 1, topP: 1 },
  { temperature: 0.8, topK: 20, topP: 0 },
  { temperature: 0, topK: 40, topP: 0.9 },
  { temperature: 1e-7, topK: 0, topP: 1 },
];

/** Runs `seeds` seeds of every combo and requires the GPU id to equal the reference id. */
async function expectSameAsReference(s: Sampler, logits: Float32Array, combos: typeof COMBOS, seeds: number) {
  let sampled = 0;
  let random = 0;
  for (const combo of combos) {
    const ids = new Set<number>();
    for (let seed = 0; seed < seeds; seed++) {
      const settings = { ...combo, seed: seed * 7919 + 13 };
      const got = await run(s, settings);
      const want = ref.sample(logits, settings);
      expect(got.id, `${JSON.stringify(settings)}`).toBe(want.id);
      expect(got.prob).toBeCloseTo(want.prob, 6);
      ids.add(got.id);
    }
    if (ref.samplingActive(Math.fround(combo.temperature)) && combo.topK !== 1 && combo.topP > 0) {
      sampled += ids.size;
      random++;
    }
  }
  // The seeds really sample: some random combos pick more than one token.
  expect(sampled).toBeGreaterThan(random);
}

describe('argmax', () => {
  for (const subgroups of [false, true]) {
    const variant = subgroups ? 'subgroup' : 'plain';
    for (const vocab of [1, 1000, 152064]) {
      it(`${variant} vocab=${vocab}: random, tied, -inf/NaN, and edge cases`, async () => {
        const ctx = await testContext();
        if (subgroups && !ctx.caps.subgroups) return;
        const cases = [lmLogits(vocab, 1), withSpecials(tiedLogits(vocab, 2), 3), withSpecials(lmLogits(vocab, 4), 5)];
        cases.push(new Float32Array(vocab).fill(Number.NEGATIVE_INFINITY), new Float32Array(vocab).fill(Number.NaN));
        const lastMax = lmLogits(vocab, 6);
        lastMax[vocab - 1] = 100;
        cases.push(lastMax);
        const farTie = lmLogits(vocab, 7);
        farTie[vocab - 1] = 50; // the same maximum in the last workgroup and (below) an earlier one
        farTie[Math.floor(vocab / 3)] = 50;
        cases.push(farTie);
        for (const logits of cases) {
          const s = await prepareSampler(logits, subgroups, true);
          const got = await run(s, { temperature: 0, topK: 0, topP: 1, seed: 0 });
          expect(got.id).toBe(ref.argmax(logits));
          expect(got.prob).toBe(1);
        }
      });
    }
  }

  it('rejects a vocabulary it cannot index, and a short logits buffer', async () => {
    const ctx = await testContext();
    const buf = await ctx.upload('buf', new Float32Array(16));
    const big = await argmax(ctx, { logits: buf, out: buf, vocab: 2 ** 24 + 1 }).catch((e) => e);
    expect(isRuntimeError(big, 'INVALID_ARGUMENT')).toBe(true);
    expect(big.message).toMatch(/argmax_partials.*vocab must be an integer in 1\.\.16777216/);
    const short = await argmax(ctx, { logits: buf, out: buf, vocab: 17 }).catch((e) => e);
    expect(short.message).toMatch(/argmax_partials.*'logits'.*64 bytes.*68/);
    const aliased = await argmax(ctx, { logits: buf, out: buf, vocab: 16 }).catch((e) => e);
    expect(aliased.message).toMatch(/argmax_partials.*'out'.*overlaps/);
  });
});

describe('sample', () => {
  it('builds the same exp2 table and candidate cap as the reference', () => {
    expect(exp2Table()).toEqual(ref.exp2Table());
    expect(SAMPLE.keepCap).toBe(ref.SAMPLER_KEEP_CAP);
  });

  for (const subgroups of [false, true]) {
    const variant = subgroups ? 'subgroup' : 'plain';

    it(`${variant}: matches the reference id for every seed, vocab=1000`, async () => {
      const logits = lmLogits(1000, 11);
      const s = await prepareSampler(logits, subgroups);
      if (subgroups && !s.ctx.caps.subgroups) return;
      await expectSameAsReference(s, logits, COMBOS, 4);
    });

    it(`${variant}: ties at every cut, with -inf, NaN and ±0, vocab=3001`, async () => {
      const logits = withSpecials(tiedLogits(3001, 12), 13);
      const s = await prepareSampler(logits, subgroups);
      if (subgroups && !s.ctx.caps.subgroups) return;
      await expectSameAsReference(s, logits, COMBOS.slice(0, 5), 6);
    });
  }

  it('vocab=152064 (Qwen2): matches the reference', async () => {
    const logits = lmLogits(152064, 21, 2);
    const s = await prepareSampler(logits, true);
    await expectSameAsReference(s, logits, [COMBOS[1]!, COMBOS[4]!], 2);
  });

  it(`more candidates than the gather buffer (${SAMPLE.gatherCap}): rescans the logits`, async () => {
    const logits = withSpecials(ref.uniform(10007, 31, 0, 0.25), 32); // nearly flat: every token is a candidate
    const s = await prepareSampler(logits, true);
    await expectSameAsReference(s, logits, [COMBOS[0]!, COMBOS[1]!], 2);
  });

  it('vocab=1: always token 0', async () => {
    const s = await prepareSampler(new Float32Array([-3]), false);
    for (const combo of COMBOS) expect((await run(s, { ...combo, seed: 5 })).id).toBe(0);
  });

  it('all logits -inf or NaN: falls back to the greedy id', async () => {
    const logits = new Float32Array(301).fill(Number.NEGATIVE_INFINITY);
    logits[7] = Number.NaN;
    const s = await prepareSampler(logits, false);
    expect(await run(s, { temperature: 1, topK: 0, topP: 1, seed: 3 })).toEqual({ id: 0, prob: 1 });
  });

  it('GPU frequencies over 300 seeds follow softmax(logits / T) (chi-square, p = 0.001)', async () => {
    // Every probability >= 5%, so each expected count is >= 17 and the chi-square test is valid.
    const logits = new Float32Array([1.5, 1, 0.5, 0, -0.5]);
    const s = await prepareSampler(logits, true);
    const n = 300;
    const counts = new Array<number>(logits.length).fill(0);
    for (let seed = 0; seed < n; seed++) counts[(await run(s, { temperature: 1, topK: 0, topP: 1, seed })).id]!++;
    // 99.9% quantile of chi-square with 4 degrees of freedom.
    expect(chiSquare(counts, softmax(logits, 1, logits.length))).toBeLessThan(18.47);
  });

  it('reference frequencies over 200000 seeds follow softmax, top-k and top-p', () => {
    // The GPU matches the reference id for id (above), so the reference's statistics are the kernel's.
    const logits = new Float32Array([2, 1, 0.5, 0, -1, -3, 1]);
    const n = 200000;
    for (const [temperature, topK, topP, kept] of [
      [1, 0, 1, 7],
      [0.7, 3, 1, 3],
      [1, 0, 0.6, 2], // 0.465 + 0.171 >= 0.6: ids 0 and 1 (id 6 ties id 1 and loses on index)
    ] as const) {
      const counts = new Array<number>(logits.length).fill(0);
      for (let seed = 0; seed < n; seed++) counts[ref.sample(logits, { temperature, topK, topP, seed }).id]!++;
      const p = softmax(logits, temperature, kept);
      for (let i = 0; i < logits.length; i++) expect(Math.abs(counts[i]! / n - p[i]!)).toBeLessThan(0.005);
    }
  });
});

/** softmax(logits / T) over the `kept` largest logits (ties → lower index), 0 elsewhere. */
function softmax(logits: Float32Array, temperature: number, kept: number): number[] {
  const order = [...logits.keys()].sort((a, b) => logits[b]! - logits[a]! || a - b).slice(0, kept);
  const e = [...logits].map((x, i) => (order.includes(i) ? Math.exp(x / temperature) : 0));
  const z = e.reduce((a, b) => a + b);
  return e.map((v) => v / z);
}

function chiSquare(counts: number[], p: number[]): number {
  const n = counts.reduce((a, b) => a + b);
  return counts.reduce((sum, c, i) => sum + (c - n * p[i]!) ** 2 / (n * p[i]!), 0);
}
