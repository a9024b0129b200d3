/**
 * Loading refuses what it cannot run before uploading anything, with typed
 * errors that name the file, field or tensor, and reports progress as it uploads.
 */
import { isRuntimeError } from '@webseek/api';
import { configFromGguf, loadModel, planMemory } from '@webseek/engine';
import {
  bytesSource,
  concatBytes,
  makeSyntheticModel,
  readGguf,
  type SyntheticModel,
  type SyntheticSpec,
  writeGguf,
} from '@webseek/formats';
import { describe, expect, it } from 'vitest';
import { testContext } from '../support/gpu.ts';

const SPEC: SyntheticSpec = {
  arch: 'qwen2',
  type: 'q8_0',
  seed: 9,
  vocabulary: 'tiny',
  shape: {
    nEmbd: 64,
    nFf: 96,
    nLayer: 2,
    nHead: 4,
    nKvHead: 2,
    vocab: 300,
    ctxTrain: 2048,
    ropeTheta: 10000,
    eps: 1e-6,
    qkvBias: true,
    tiedOutput: false,
  },
};

function file(model: SyntheticModel, name = 'model.gguf') {
  return bytesSource(concatBytes(writeGguf(model)), name);
}

async function loadError(model: SyntheticModel, options = {}) {
  const ctx = await testContext();
  const before = ctx.memory.liveBytes;
  const error = await loadModel(ctx, file(model), options).catch((e) => e);
  // Refused up front: nothing was left on the device.
  expect(ctx.memory.liveBytes).toBe(before);
  return error;
}

describe('loadModel refuses bad input before uploading', () => {
  it('an architecture it does not run: UNSUPPORTED_ARCH listing the supported ones', async () => {
    const model = makeSyntheticModel(SPEC);
    model.metadata = model.metadata.map(([k, v]) =>
      k === 'general.architecture' ? [k, { type: 'string', value: 'gemma2' }] : [k, v],
    );
    const error = await loadError(model);
    expect(isRuntimeError(error, 'UNSUPPORTED_ARCH')).toBe(true);
    expect(error.message).toMatch(/model\.gguf.*gemma2.*qwen2, llama/);
  });

  it('a tensor type it cannot run: UNSUPPORTED_QUANT naming the tensor and the supported types', async () => {
    const model = makeSyntheticModel(SPEC);
    const t = model.tensors.find((x) => x.name === 'blk.1.ffn_up.weight')!;
    // Same bytes per row as q8_0 (34 per 32 values) do not exist for q5_1 (24): give it q5_1's size.
    t.type = 'q5_1';
    t.data = new Uint8Array((t.shape[0]! / 32) * 24 * t.shape[1]!);
    const error = await loadError(model);
    expect(isRuntimeError(error, 'UNSUPPORTED_QUANT')).toBe(true);
    expect(error.message).toMatch(/blk\.1\.ffn_up\.weight/);
    expect(error.message).toMatch(/q4_k/);
  });

  it('a missing tensor: MODEL_FORMAT naming it', async () => {
    const model = makeSyntheticModel(SPEC);
    model.tensors = model.tensors.filter((x) => x.name !== 'blk.1.attn_output.weight');
    const error = await loadError(model);
    expect(isRuntimeError(error, 'MODEL_FORMAT')).toBe(true);
    expect(error.message).toMatch(/model\.gguf: tensor 'blk\.1\.attn_output\.weight' is missing/);
  });

  it('a truncated download: MODEL_FORMAT naming the file', async () => {
    const bytes = concatBytes(writeGguf(makeSyntheticModel(SPEC)));
    const ctx = await testContext();
    const error = await loadModel(ctx, bytesSource(bytes.subarray(0, bytes.length - 1000), 'cut.gguf')).catch((e) => e);
    expect(isRuntimeError(error, 'MODEL_FORMAT')).toBe(true);
    expect(error.message).toContain('cut.gguf');
  });

  it('more memory than the device has: GPU_OOM saying what is needed and what context would fit', async () => {
    const model = makeSyntheticModel(SPEC);
    const gguf = await readGguf(file(model));
    const config = configFromGguf(gguf);
    const plan = planMemory(gguf, config, { context: 2048, prefillChunk: 128, kvDtype: 'f16' });
    // Room for the weights and scratch but only for half of a 2048-position KV cache.
    const budget = plan.weights + plan.scratch + plan.kvCache / 2;
    const error = await loadError(model, { contextLength: 2048, gpuMemoryBytes: budget });
    expect(isRuntimeError(error, 'GPU_OOM')).toBe(true);
    expect(error.message).toMatch(/needs \d+ MiB.*KV cache.*context 2048.*a context of at most \d+ would fit/);
    const fits = error.details.contextThatFits as number;
    expect(fits).toBeGreaterThan(0);
    expect(fits).toBeLessThan(2048);
    const ctx = await testContext();
    const ok = await loadModel(ctx, file(model), { contextLength: fits, gpuMemoryBytes: budget });
    await ok.dispose();
  });
});

describe('loadModel progress', () => {
  it('reports bytes and tensors done, ending at the totals', async () => {
    const ctx = await testContext();
    const seen: { bytesDone: number; bytesTotal: number; tensorsDone: number; tensorsTotal: number }[] = [];
    const model = await loadModel(ctx, file(makeSyntheticModel(SPEC)), { onProgress: (p) => seen.push({ ...p }) });
    expect(seen.length).toBe(seen.at(-1)!.tensorsTotal);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytesDone).toBeGreaterThan(seen[i - 1]!.bytesDone);
    expect(seen.at(-1)!.bytesDone).toBe(seen.at(-1)!.bytesTotal);
    await model.dispose();
  });
});
