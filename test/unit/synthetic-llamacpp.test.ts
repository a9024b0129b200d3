/**
 * llama.cpp (node-llama-cpp, CPU, 2 threads) as the judge of our synthetic
 * models: it loads every tiny qwen2/llama model in every type — its loader
 * checks each tensor's name, shape and type against the architecture — and
 * evaluates a prompt to finite logits; its tokenizer gives our tokenizer's ids
 * on the tiny vocabulary and on the two real R1-Distill vocabularies (tiny
 * dims, 151936 / 128256 embedding rows).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  concatBytes,
  makeF32Twin,
  makeSyntheticModel,
  resolveDims,
  type SyntheticArch,
  type SyntheticSpec,
  vocabularyOf,
  writeGguf,
} from '@webseek/formats';
import { syntheticVocabulary } from '@webseek/formats/synthetic-node';
import { tokenizerFromGguf } from '@webseek/tokenizer';
import {
  type ControlledEvaluateInputItem,
  getLlama,
  type Llama,
  LlamaLogLevel,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHS, TYPES, tinySpec } from './synthetic-cases.ts';

let llama: Llama;
let dir: string;

beforeAll(async () => {
  llama = await getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    maxThreads: 2,
    logLevel: LlamaLogLevel.error,
  });
  dir = mkdtempSync(join(tmpdir(), 'webseek-synthetic-'));
});

afterAll(async () => {
  await llama?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function save(name: string, model: ReturnType<typeof makeSyntheticModel>): string {
  const path = join(dir, `${name}.gguf`);
  writeFileSync(path, concatBytes(writeGguf(model)));
  return path;
}

/** Loads `path` in llama.cpp, runs `text` (BOS first) and returns the last position's logits. */
async function evaluate(path: string, text: string): Promise<{ model: LlamaModel; ids: number[]; logits: number[] }> {
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 128, batchSize: 64, threads: 2 });
  try {
    const ids = [model.tokens.bos!, ...model.tokenize(text, true)].map(Number);
    const input = ids.map(
      (t, i): ControlledEvaluateInputItem =>
        i === ids.length - 1 ? [t as Token, { generateNext: { logits: true } }] : (t as Token),
    );
    const result = await context.getSequence().controlledEvaluate(input);
    const logits = [...(result.at(-1)?.next?.logits?.values() ?? [])];
    return { model, ids, logits };
  } finally {
    await context.dispose();
  }
}

const PROMPT = '<｜User｜>The quick brown fox, 2 + 2 = 4?<｜Assistant｜><think>\n';

describe.each(ARCHS)('llama.cpp loads and runs tiny %s models', (arch) => {
  it.each(TYPES)('%s', async (type) => {
    const spec = tinySpec(arch, type);
    const path = save(`${arch}-${type}`, makeSyntheticModel(spec));
    const { model, ids, logits } = await evaluate(path, PROMPT);
    try {
      expect(logits).toHaveLength(301);
      expect(logits.every(Number.isFinite)).toBe(true);
      // Logits spread about outputScale (4): the output matrix took its planned scale.
      const mean = logits.reduce((a, b) => a + b, 0) / logits.length;
      const std = Math.sqrt(logits.reduce((a, b) => a + (b - mean) ** 2, 0) / logits.length);
      expect(std).toBeGreaterThan(1);
      expect(std).toBeLessThan(16);
      // Its tokenizer agrees with ours on the tiny vocabulary, chat tokens included.
      const ours = tokenizerFromGguf(vocabularyOf(spec, resolveDims(spec)));
      expect(ids).toEqual([ours.bosId, ...ours.encode(PROMPT)]);
    } finally {
      await model.dispose();
    }
  });
});

it('llama.cpp runs the F32 twin of a q4_k_m model to logits close to the quantized file', async () => {
  const model = makeSyntheticModel(tinySpec('qwen2', 'q4_k_m'));
  const quantized = await evaluate(save('q4km', model), PROMPT);
  const twin = await evaluate(save('q4km-twin', makeF32Twin(model)), PROMPT);
  await quantized.model.dispose();
  await twin.model.dispose();
  // Same weights, different arithmetic (llama.cpp rounds activations to 8 bits for quantized weights).
  const diff = Math.max(...twin.logits.map((v, i) => Math.abs(v - quantized.logits[i]!)));
  expect(diff).toBeLessThan(0.5);
  expect(diff).toBeGreaterThan(0);
});

const REAL_TEXTS = [
  'Hello world! The year 2025 had 365 days.',
  '<｜begin▁of▁sentence｜><｜User｜>Why is the sky blue?<｜Assistant｜><think>\nRayleigh scattering…</think>',
  'def f(x):\n    return x ** 2  # 平方 ñ 🙂',
];

describe.each([
  { arch: 'qwen2' as SyntheticArch, vocab: 'qwen' as const, size: 151936 },
  { arch: 'llama' as SyntheticArch, vocab: 'llama' as const, size: 128256 },
])('real R1-Distill vocabulary, tiny $arch dims', ({ arch, vocab, size }) => {
  it(`${size} rows: llama.cpp loads it, runs it and tokenizes as @webseek/tokenizer does`, async () => {
    const vocabulary = syntheticVocabulary(vocab);
    if (vocabulary === 'tiny') throw new Error('expected a real vocabulary');
    const spec: SyntheticSpec = {
      arch,
      shape: {
        nEmbd: 64,
        nFf: 96,
        nLayer: 1,
        nHead: 4,
        nKvHead: 2,
        vocab: size,
        ctxTrain: 1024,
        ropeTheta: 10000,
        eps: 1e-6,
        qkvBias: arch === 'qwen2',
        tiedOutput: false,
      },
      type: 'f16',
      seed: 3,
      vocabulary,
    };
    const { model, logits } = await evaluate(save(`real-${vocab}`, makeSyntheticModel(spec)), 'Hi');
    try {
      expect(logits).toHaveLength(size);
      expect(logits.every(Number.isFinite)).toBe(true);
      const ours = tokenizerFromGguf(vocabulary);
      expect(model.tokens.bos).toBe(ours.bosId);
      for (const text of REAL_TEXTS)
        expect(Array.from(model.tokenize(text, true), Number), text).toEqual(ours.encode(text));
    } finally {
      await model.dispose();
    }
  });
});
