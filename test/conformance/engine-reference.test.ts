/**
 * The GPU engine against the plain-TypeScript reference forward pass on tiny
 * synthetic models: teacher-forced logits at every position must agree to f32
 * precision (the reference computes in f64 with the same f16-rounded KV cache).
 */
import { loadModel } from '@webseek/engine';
import { bytesSource, type SyntheticSpec } from '@webseek/formats';
import { referenceLogits } from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { testContext } from '../support/gpu.ts';
import { readBack, referenceConfig, referenceWeights, syntheticGgufBytes } from '../support/models.ts';

const TINY = { nEmbd: 96, nFf: 160, nLayer: 2, nHead: 6, nKvHead: 2, vocab: 320, ctxTrain: 256, eps: 1e-6 };
const CASES: { name: string; spec: SyntheticSpec }[] = [
  {
    name: 'qwen2 f32 (bias, neox rope)',
    spec: {
      arch: 'qwen2',
      type: 'f32',
      seed: 3,
      vocabulary: 'tiny',
      shape: { ...TINY, ropeTheta: 10000, qkvBias: true, tiedOutput: false },
    },
  },
  {
    name: 'llama q8_0 (adjacent rope, llama3 factors, tied)',
    spec: {
      arch: 'llama',
      type: 'q8_0',
      seed: 4,
      vocabulary: 'tiny',
      shape: {
        ...TINY,
        ropeTheta: 500000,
        qkvBias: false,
        tiedOutput: true,
        ropeScaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 64 },
      },
    },
  },
  {
    name: 'qwen2 q8_0, head size 48 and 3 q heads per kv head',
    spec: {
      arch: 'qwen2',
      type: 'q8_0',
      seed: 5,
      vocabulary: 'tiny',
      shape: {
        ...TINY,
        nEmbd: 288,
        nHead: 6,
        nKvHead: 2,
        headDim: 48,
        ropeTheta: 10000,
        qkvBias: true,
        tiedOutput: false,
      },
    },
  },
  {
    name: 'qwen2 q4_k_m (q4_k + q6_k)',
    spec: {
      arch: 'qwen2',
      type: 'q4_k_m',
      seed: 6,
      vocabulary: 'tiny',
      shape: {
        ...TINY,
        nEmbd: 256,
        nFf: 512,
        nHead: 4,
        nKvHead: 2,
        ropeTheta: 10000,
        qkvBias: true,
        tiedOutput: false,
      },
    },
  },
];

describe('engine vs CPU reference (teacher-forced logits)', () => {
  for (const { name, spec } of CASES) {
    it(name, async () => {
      const ctx = await testContext();
      const bytes = syntheticGgufBytes(spec);
      const model = await loadModel(ctx, bytesSource(bytes, `${spec.arch}-${spec.type}.gguf`), {
        contextLength: 64,
        prefillChunk: 7,
      });
      const session = await model.getSession();
      const prompt = [5, 17, 33, 101, 7, 250, 12, 99, 4, 64, 201];
      const forced = [3, 44, 150, 9, 300, 21, 77, 8];
      const tops: [number, number][][] = [];
      session.reset();
      for await (const t of session.generate(prompt, {
        maxTokens: forced.length,
        forceIds: forced,
        topLogits: model.config.vocab,
      })) {
        tops.push(t.top!);
      }
      const gguf = await readBack(bytes);
      const ref = referenceLogits(referenceConfig(model.config, true), await referenceWeights(gguf, model.config), [
        ...prompt,
        ...forced.slice(0, -1),
      ]);
      let worst = 0;
      let scale = 0;
      tops.forEach((top, j) => {
        const want = ref[prompt.length - 1 + j]!;
        for (const [id, logit] of top) {
          worst = Math.max(worst, Math.abs(logit - want[id]!));
          scale = Math.max(scale, Math.abs(want[id]!));
        }
      });
      // f32 activations, different summation order: ~1e-5 of the logit scale.
      expect(worst, `max |logit diff| ${worst} at logit scale ${scale}`).toBeLessThan(1e-4 * Math.max(1, scale));
      await model.dispose();
    });
  }
});
