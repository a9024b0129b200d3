/**
 * Presence/frequency penalties on the device against the CPU reference, and the
 * count pass that feeds them; guarded buffers catch writes past the vocabulary.
 */
import { isRuntimeError } from '@webseek/api';
import {
  countToken,
  type GpuContext,
  penalize,
  penaltyParamsBuffer,
  runDispatches,
  writePenaltyParams,
} from '@webseek/gpu';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { expectClose, guarded, testContext } from '../support/gpu.ts';

function logitsAndCounts(vocab: number, seed: number): { logits: Float32Array; counts: Uint32Array } {
  const next = ref.rng(seed);
  const logits = Float32Array.from({ length: vocab }, () => 8 * (next() - 0.5));
  // Mostly zero counts, a few ids seen once, a few many times.
  const counts = Uint32Array.from({ length: vocab }, () => {
    const u = next();
    return u < 0.8 ? 0 : u < 0.95 ? 1 : Math.floor(next() * 40);
  });
  return { logits, counts };
}

async function penalizeOnDevice(
  ctx: GpuContext,
  logits: Float32Array,
  counts: Uint32Array,
  presence: number,
  frequency: number,
): Promise<Float32Array> {
  const vocab = logits.length;
  const out = await guarded(ctx, 'logits', vocab * 4, logits);
  const countsBuffer = await ctx.upload('counts', counts);
  const params = penaltyParamsBuffer(ctx);
  writePenaltyParams(ctx, params, { vocab, presence, frequency });
  await runDispatches(ctx, [await penalize(ctx, { logits: out.binding, counts: countsBuffer, params, vocab })]);
  const result = await out.readF32();
  out.destroy();
  countsBuffer.destroy();
  params.destroy();
  return result;
}

describe('penalize', () => {
  // Odd vocabularies: a partial last workgroup; 70001 spans several hundred workgroups.
  for (const [vocab, presence, frequency] of [
    [1, 0.5, 0.25],
    [333, 1.5, 0.5],
    [70001, -0.75, 2],
    [4099, 0, 0],
  ] as const) {
    it(`vocab ${vocab}, presence ${presence}, frequency ${frequency}`, async () => {
      const ctx = await testContext();
      const { logits, counts } = logitsAndCounts(vocab, vocab);
      const got = await penalizeOnDevice(ctx, logits, counts, presence, frequency);
      // One multiply-add in f32 (the GPU may fuse it): a few ulps of the penalty.
      expectClose(got, ref.applyPenalties(logits, counts, presence, frequency), { atol: 1e-5, rtol: 1e-6 }, 'logits');
      // Ids never generated keep their logit bit for bit.
      for (let i = 0; i < vocab; i++) if (counts[i] === 0) expect(got[i]).toBe(logits[i]);
    });
  }

  it('rejects a counts buffer smaller than the vocabulary before dispatching', async () => {
    const ctx = await testContext();
    const logits = await ctx.upload('logits', new Float32Array(301));
    const counts = await ctx.upload('counts', new Uint32Array(300));
    const params = penaltyParamsBuffer(ctx);
    const err = await penalize(ctx, { logits, counts, params, vocab: 301 }).catch((e) => e);
    expect(isRuntimeError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect(String(err.message)).toMatch(/penalty_f32.*counts/);
  });
});

describe('countToken', () => {
  it('counts ids[0] once per run and ignores ids outside the vocabulary', async () => {
    const ctx = await testContext();
    const vocab = 37;
    const counts = await guarded(ctx, 'counts', vocab * 4, new Uint32Array(vocab));
    const ids = await ctx.upload('ids', new Uint32Array([5, 9]));
    const step = await countToken(ctx, { ids, counts: counts.binding, vocab });
    for (const id of [5, 5, 36, 0, 37, 1000, 5]) {
      ctx.write(ids, new Uint32Array([id]));
      await runDispatches(ctx, [step]);
    }
    const want = new Uint32Array(vocab);
    want[5] = 3;
    want[36] = 1;
    want[0] = 1;
    expect(Array.from(await counts.readU32())).toEqual(Array.from(want));
  });
});
