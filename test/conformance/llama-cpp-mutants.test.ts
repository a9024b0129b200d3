/**
 * The llama.cpp comparison must be able to fail: ours with a deliberate bug —
 * made from outside the engine (a config or weights override on a Model that
 * shares the loaded weights, a mutated GGUF copy, a session position bumped
 * mid-run) — against llama.cpp on the F32 twin must break the twin bound by
 * orders of magnitude, and the loosest file bound (0.15 σ, q4_k) as well, so
 * llama-cpp.test.ts would catch each bug in every weight type. Measured:
 * 0.6 σ (a skipped KV slot) to 4.7 σ (rows one position late). Subtler
 * mistakes only the twin bounds see: a rope base 1% off gives 5e-3 σ (over
 * both twin bounds, under the file ones); an rms eps of 1e-5 for 1e-6 gives
 * 2e-5 σ, which nothing here can tell from summation order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, Model, type ModelConfig, type ModelWeights, type QkvWeights } from '@webseek/engine';
import { bytesSource, concatBytes, makeSyntheticModel, type SyntheticSpec, writeGguf } from '@webseek/formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testContext } from '../support/gpu.ts';
import {
  checkPosition,
  disposeLlamaCpp,
  engineForcedRows,
  type LlamaCppGreedy,
  LlamaCppModel,
  positionFailures,
  promptIds,
  TWIN_BOUND,
  writeModelFiles,
} from '../support/llama-cpp.ts';

/** The loosest file bound of llama-cpp.test.ts (q4_k, q6_k, q4_k_m); every mutant must exceed 2× it. */
const LOOSEST_FILE_BOUND = 0.15;

// qwen2 with q/k/v biases; attn_output square (7 heads of 32 = nEmbd 224) so it can be transposed.
const SPEC: SyntheticSpec = {
  arch: 'qwen2',
  type: 'f32',
  seed: 31,
  vocabulary: 'tiny',
  shape: {
    nEmbd: 224,
    nFf: 608,
    nLayer: 2,
    nHead: 7,
    nKvHead: 7,
    vocab: 397,
    ctxTrain: 512,
    ropeTheta: 10000,
    eps: 1e-6,
    qkvBias: true,
    tiedOutput: false,
  },
};
const PROMPT = promptIds(12, 397, 4242);
const STEPS = 32;
const FIRST = PROMPT.length - 1;
const LOAD = { contextLength: 64, prefillChunk: 5, kvDtype: 'f32' } as const;

let dir: string;
let model: Model;
let theirs: LlamaCppGreedy;
const measured: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'webseek-mutants-'));
  const files = writeModelFiles(dir, 'mutant-base', SPEC);
  const twin = await LlamaCppModel.load(files.twinPath, { contextSize: 64, kvCache: 'f32' });
  theirs = await twin.greedy(PROMPT, STEPS).finally(() => twin.dispose());
  model = await loadModel(await testContext(), bytesSource(files.bytes, 'mutant-base.gguf'), LOAD);
});

afterAll(async () => {
  await model?.dispose();
  await disposeLlamaCpp();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (measured.length)
    console.log(['mutants vs llama.cpp on the F32 twin (max |Δlogit| / σ):', ...measured].join('\n'));
});

/** A Model on the loaded weights with a changed config or weights; its own session (fresh KV cache). */
function variant(o: { config?: Partial<ModelConfig>; weights?: ModelWeights }): Model {
  const m = model;
  return new Model(m.ctx, m.gguf, { ...m.config, ...o.config }, m.tokenizer, o.weights ?? m.weights, m.shape, m.memory);
}

function withoutBiases(qkv: QkvWeights): QkvWeights {
  return qkv.map(({ outputs, w }) => ({ outputs, w }));
}

/** Disposes a variant's session only: the weights belong to `model`. */
async function disposeVariant(v: Model): Promise<void> {
  await (await v.getSession()).dispose();
}

/** Checks rows against llama.cpp's; the maximum relative error must break both bounds. */
function expectCaught(name: string, rows: Float32Array[], reference = theirs.logits.rows, first = FIRST): void {
  const checks = rows.map((row, j) => checkPosition(row, reference[j]!, TWIN_BOUND));
  const failures = checks.flatMap((c, j) => positionFailures(c, `position ${first + j}`));
  const worst = Math.max(...checks.map((c) => c.maxAbs / c.std));
  const failing = checks.filter((c) => c.maxAbs > c.bound).length;
  measured.push(
    `  ${name.padEnd(44)} ${worst.toExponential(2)}  (${failing}/${checks.length} positions over the twin bound)`,
  );
  expect(failures.length, `${name}: caught by the twin bound`).toBeGreaterThan(0);
  expect(worst, `${name}: max |Δlogit| / σ past 2× the loosest file bound`).toBeGreaterThan(2 * LOOSEST_FILE_BOUND);
}

describe('the llama.cpp comparison catches real bugs', () => {
  it('unmutated: within the twin bound (the baseline)', async () => {
    const rows = await engineForcedRows(model, PROMPT, theirs.ids);
    const failures = rows.flatMap((row, j) =>
      positionFailures(checkPosition(row, theirs.logits.rows[j]!, TWIN_BOUND), `position ${FIRST + j}`),
    );
    expect(failures).toEqual([]);
  });

  it('rope pairing: adjacent pairs instead of halves', async () => {
    const v = variant({ config: { ropePairing: 'adjacent' } });
    expectCaught('rope pairing adjacent instead of halves', await engineForcedRows(v, PROMPT, theirs.ids));
    await disposeVariant(v);
  });

  it('q/k/v biases left out', async () => {
    const layers = model.weights.layers.map((l) => ({ ...l, qkv: withoutBiases(l.qkv) }));
    const v = variant({ weights: { ...model.weights, layers } });
    expectCaught('q/k/v biases left out', await engineForcedRows(v, PROMPT, theirs.ids));
    await disposeVariant(v);
  });

  it('rope base 1e6 instead of 1e4', async () => {
    const v = variant({ config: { ropeBase: 1e6 } });
    expectCaught('rope base 1e6 instead of 1e4', await engineForcedRows(v, PROMPT, theirs.ids));
    await disposeVariant(v);
  });

  it('one decode step writes its key and value one slot late', async () => {
    const v = variant({});
    const session = await v.getSession();
    session.reset();
    const rows: Float32Array[] = [];
    const vocab = model.config.vocab;
    for await (const t of session.generate(PROMPT, { maxTokens: STEPS, forceIds: theirs.ids, topLogits: vocab })) {
      const row = new Float32Array(vocab);
      for (const [id, logit] of t.top!) row[id] = logit;
      rows.push(row);
      // After the 8th step: the next token goes to position p + 1, slot p stays empty (zeros).
      if (rows.length === 8) session.position += 1;
    }
    expectCaught('one KV slot skipped at decode step 8', rows);
    await disposeVariant(v);
  });

  it('blk.0.attn_output stored transposed', async () => {
    const made = makeSyntheticModel(SPEC);
    const t = made.tensors.find((x) => x.name === 'blk.0.attn_output.weight')!;
    const [cols, rowsN] = t.shape as [number, number];
    const values = new Float32Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
    const transposed = new Float32Array(values.length);
    for (let r = 0; r < rowsN; r++) for (let c = 0; c < cols; c++) transposed[c * rowsN + r] = values[r * cols + c]!;
    t.data = new Uint8Array(transposed.buffer);
    const bytes = concatBytes(writeGguf(made));
    const m = await loadModel(await testContext(), bytesSource(bytes, 'transposed.gguf'), LOAD);
    expectCaught('blk.0.attn_output transposed', await engineForcedRows(m, PROMPT, theirs.ids));
    await m.dispose();
  });

  it('logits compared one position late (a teacher-forcing off-by-one)', async () => {
    const rows = await engineForcedRows(model, PROMPT, theirs.ids);
    expectCaught('rows compared one position late', rows.slice(0, -1), theirs.logits.rows.slice(1), FIRST + 1);
  });
});
