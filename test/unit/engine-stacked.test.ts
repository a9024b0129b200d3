/**
 * The engine with stacked projections (q/k/v and gate/up in one matrix each,
 * the default) against the same file loaded with them apart: the same
 * teacher-forced logits and greedy ids, four launches fewer per layer per
 * decode step, and Q4_K_M's mixed-type layers falling back to apart.
 */
import { loadModel, type Model } from '@webseek/engine';
import { bytesSource, type SyntheticSpec } from '@webseek/formats';
import { describe, expect, it } from 'vitest';
import { testContext } from '../support/gpu.ts';
import { syntheticGgufBytes } from '../support/models.ts';

const SHAPE = {
  nEmbd: 256,
  nFf: 512,
  nLayer: 3,
  nHead: 4,
  nKvHead: 2,
  vocab: 301,
  ctxTrain: 256,
  eps: 1e-6,
  ropeTheta: 10000,
  qkvBias: true,
  tiedOutput: false,
};
const PROMPT = [5, 17, 33, 101, 7, 250, 12, 99, 4, 64, 201];
const FORCED = [3, 44, 150, 9, 300, 21];

async function load(spec: SyntheticSpec, stackProjections: boolean, foldNorms = false): Promise<Model> {
  const bytes = syntheticGgufBytes(spec);
  return loadModel(await testContext(), bytesSource(bytes, `${spec.type}.gguf`), {
    contextLength: 64,
    prefillChunk: 8,
    stackProjections,
    foldNorms,
  });
}

/** Same top ids, logits within `tol`, same greedy ids. */
function expectSame(a: Awaited<ReturnType<typeof run>>, b: Awaited<ReturnType<typeof run>>, tol: number): void {
  expect(a.ids).toEqual(b.ids);
  for (const [j, top] of a.tops.entries()) {
    expect(top.map(([id]) => id)).toEqual(b.tops[j]!.map(([id]) => id));
    for (const [i, [, logit]] of top.entries()) expect(Math.abs(logit - b.tops[j]![i]![1])).toBeLessThan(tol);
  }
}

/** Top logits per forced step, the greedy ids, and launches per decode step. */
async function run(model: Model) {
  const session = await model.getSession();
  session.reset();
  const tops: [number, number][][] = [];
  for await (const t of session.generate(PROMPT, { maxTokens: FORCED.length, forceIds: FORCED, topLogits: 20 }))
    tops.push(t.top!);
  session.reset();
  const ids: number[] = [];
  let before = 0;
  for await (const t of session.generate(PROMPT, { maxTokens: 6 })) {
    if (ids.push(t.id) === 1) before = session.counters.dispatches;
  }
  // The first token's step was submitted before the loop body ran; 5 decode steps after it.
  const perStep = (session.counters.dispatches - before) / 4;
  return { tops, ids, perStep };
}

describe('stacked projections in the engine', () => {
  for (const [type, groups] of [
    ['q8_0', { qkv: [1, 1, 1], gateUp: 3 }],
    // Q4_K_M keeps v in Q6_K in its "more bits" layers (the last of 3): there q and k stack, v stays apart.
    ['q4_k_m', { qkv: [1, 1, 2], gateUp: 3 }],
  ] as const) {
    it(`${type}: same logits and ids as apart, fewer launches`, async () => {
      const spec: SyntheticSpec = { arch: 'qwen2', type, seed: 9, vocabulary: 'tiny', shape: SHAPE };
      const stacked = await load(spec, true);
      const apart = await load(spec, false);
      const qkvLaunches = (m: Model) => m.weights.layers.map((l) => l.qkv.length);
      const gateUpStacked = (m: Model) => m.weights.layers.filter((l) => 'stacked' in l.gateUp).length;
      expect(qkvLaunches(stacked)).toEqual(groups.qkv);
      expect(gateUpStacked(stacked)).toBe(groups.gateUp);
      expect(qkvLaunches(apart)).toEqual([3, 3, 3]);
      expect(gateUpStacked(apart)).toBe(0);
      const a = await run(stacked);
      const b = await run(apart);
      expectSame(a, b, 1e-4);
      // Each q/k/v group saves the launches it merges; stacked gate/up saves 1, and SwiGLU moves into the down matvec: 1 more.
      const qkvSaved = groups.qkv.reduce((n, launches) => n + 3 - launches, 0);
      expect(b.perStep - a.perStep).toBe(qkvSaved + 2 * groups.gateUp);
      await stacked.dispose();
      await apart.dispose();
    });
  }

  it('RMSNorm folded into the decode matvecs: same logits and ids, two launches fewer per layer', async () => {
    const spec: SyntheticSpec = { arch: 'qwen2', type: 'q4_k_m', seed: 9, vocabulary: 'tiny', shape: SHAPE };
    const folded = await load(spec, true, true);
    const plain = await load(spec, true, false);
    const a = await run(folded);
    const b = await run(plain);
    expectSame(a, b, 1e-4);
    expect(b.perStep - a.perStep).toBe(2 * SHAPE.nLayer);
    await folded.dispose();
    await plain.dispose();
  });
});
