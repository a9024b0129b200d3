/**
 * llama.cpp (through node-llama-cpp's prebuilt CPU binaries) as the oracle for
 * conformance tests: load a GGUF file, teacher-force a token sequence and read
 * the full logits at every position, or greedily continue a prompt with EOS
 * treated as any other token. Two threads: the machine has two cores, and
 * node-llama-cpp's default of max(cores, 4) makes decode ~100× slower here.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '@webseek/engine';
import { concatBytes, makeF32Twin, makeSyntheticModel, type SyntheticSpec, writeGguf } from '@webseek/formats';
import { getLlama, type Llama, type LlamaContext, LlamaLogLevel, type LlamaModel, type Token } from 'node-llama-cpp';

export const LLAMA_CPP_THREADS = 2;

let shared: Promise<Llama> | undefined;

/** One llama.cpp library per test process (it is costly to load and holds no model state). */
export function llamaCpp(): Promise<Llama> {
  shared ??= getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    maxThreads: LLAMA_CPP_THREADS,
    logLevel: LlamaLogLevel.error,
  });
  return shared;
}

/** Frees the shared library (after a file's last test). */
export async function disposeLlamaCpp(): Promise<void> {
  const llama = shared;
  shared = undefined;
  await (await llama)?.dispose();
}

/** Rows of logits: row i is the distribution of the token after position `first + i`. */
export interface LlamaCppLogits {
  first: number;
  /** (positions, vocab) f32 */
  rows: Float32Array[];
}

export interface LlamaCppGreedy {
  /** The continuation, argmax at every step (lowest id on ties), EOS included like any id. */
  ids: number[];
  /** Logits each continuation id was chosen from: rows[j] picks ids[j]. */
  logits: LlamaCppLogits;
}

/** A GGUF file loaded in llama.cpp on the CPU, with one context of `contextSize` positions. */
export class LlamaCppModel {
  private constructor(
    private readonly model: LlamaModel,
    private readonly ctx: LlamaContext,
    readonly vocab: number,
  ) {}

  /**
   * `kvCache` 'f32' stores keys and values in f32 (llama.cpp's default f16 also
   * rounds q and the attention weights to f16 in its CPU mat-muls). Flash
   * attention off: its CPU kernel converts q to the cache's type as well.
   */
  static async load(path: string, o: { contextSize?: number; kvCache?: 'f16' | 'f32' } = {}): Promise<LlamaCppModel> {
    const contextSize = o.contextSize ?? 256;
    const kv = o.kvCache === 'f32' ? 'F32' : 'F16';
    const llama = await llamaCpp();
    const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
    try {
      const ctx = await model.createContext({
        contextSize,
        batchSize: contextSize,
        threads: LLAMA_CPP_THREADS,
        sequences: 1,
        flashAttention: false,
        experimentalKvCacheKeyType: kv,
        experimentalKvCacheValueType: kv,
      });
      return new LlamaCppModel(model, ctx, vocabSize(model));
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /**
   * Feeds `ids` from position 0 in one batch and returns the logits after every
   * position ≥ `first` (row i predicts ids[first + i + 1]).
   */
  async teacherForce(ids: readonly number[], first = 0): Promise<LlamaCppLogits> {
    const out = await this.evaluate(ids, first);
    return { first, rows: out };
  }

  /** Feeds `prompt`, then takes the argmax `steps` times, one decode per token. */
  async greedy(prompt: readonly number[], steps: number): Promise<LlamaCppGreedy> {
    const seq = this.ctx.getSequence();
    try {
      const rows: Float32Array[] = [];
      const ids: number[] = [];
      let feed: readonly number[] = prompt;
      for (let j = 0; j < steps; j++) {
        const [row] = await this.evaluateOn(seq, feed, feed.length - 1);
        rows.push(row!);
        const next = argmax(row!);
        ids.push(next);
        feed = [next];
      }
      return { ids, logits: { first: prompt.length - 1, rows } };
    } finally {
      seq.dispose();
    }
  }

  async dispose(): Promise<void> {
    await this.ctx.dispose();
    await this.model.dispose();
  }

  private async evaluate(ids: readonly number[], first: number): Promise<Float32Array[]> {
    const seq = this.ctx.getSequence();
    try {
      return await this.evaluateOn(seq, ids, first);
    } finally {
      seq.dispose();
    }
  }

  /** Appends `ids` to the sequence; logits after each of ids[first..]. */
  private async evaluateOn(
    seq: ReturnType<LlamaContext['getSequence']>,
    ids: readonly number[],
    first: number,
  ): Promise<Float32Array[]> {
    const logits = { generateNext: { logits: true as const } };
    const input = ids.map((t, i) => (i >= first ? ([t as Token, logits] as const) : (t as Token)));
    const res = await seq.controlledEvaluate(input as Parameters<typeof seq.controlledEvaluate>[0]);
    const rows: Float32Array[] = [];
    for (let i = first; i < ids.length; i++) {
      const map = res[i]?.next.logits;
      if (!map) throw new Error(`llama.cpp returned no logits at input index ${i}`);
      rows.push(denseRow(map, this.vocab));
    }
    return rows;
  }
}

function vocabSize(model: LlamaModel): number {
  return model.fileInfo.metadata.tokenizer!.ggml.tokens.length;
}

/** The Map llama.cpp returns (sorted high to low) as a dense (vocab) row; every id must be present. */
function denseRow(map: Map<Token, number>, vocab: number): Float32Array {
  if (map.size !== vocab) throw new Error(`llama.cpp returned ${map.size} logits, expected ${vocab}`);
  const row = new Float32Array(vocab);
  for (const [id, v] of map) row[id] = v;
  return row;
}

/** Index of the largest value, lowest index on ties (as our argmax kernel and topK). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

// ---- comparing logits ------------------------------------------------------

/**
 * max |Δlogit| / σ (σ: the std of llama.cpp's logits at the position) for ours
 * with an f32 KV cache against llama.cpp on the F32 twin with an f32 KV cache:
 * plain f32 arithmetic on both sides. Measured ≤ 3e-6 on the conformance cases.
 */
export const TWIN_BOUND = 1e-4;
/** The same for ours as shipped, with an f16 KV cache. Measured ≤ 1.5e-3. */
export const TWIN16_BOUND = 3e-3;

/** Standard deviation of a row of logits. */
export function rowStd(row: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < row.length; i++) mean += row[i]!;
  mean /= row.length;
  let sq = 0;
  for (let i = 0; i < row.length; i++) sq += (row[i]! - mean) ** 2;
  return Math.sqrt(sq / row.length);
}

/** Ids of the k largest values, highest first (lowest id on ties). */
export function topIds(row: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: row.length }, (_, i) => i)
    .sort((a, b) => row[b]! - row[a]! || a - b)
    .slice(0, k);
}

/** What one position's logits say about each other, ours against llama.cpp's (`theirs`). */
export interface PositionCheck {
  /** max |ours - theirs| over the vocabulary */
  maxAbs: number;
  /** root mean square of ours - theirs */
  rms: number;
  /** std of theirs */
  std: number;
  /** The bound in logits here: `relBound · std`. */
  bound: number;
  /** llama.cpp's top-1 minus top-2, and top-5 minus top-6. */
  margin: number;
  margin5: number;
  top1Same: boolean;
  top5Same: boolean;
}

export function checkPosition(ours: ArrayLike<number>, theirs: ArrayLike<number>, relBound: number): PositionCheck {
  let maxAbs = 0;
  let sq = 0;
  for (let i = 0; i < theirs.length; i++) {
    const d = ours[i]! - theirs[i]!;
    maxAbs = Math.max(maxAbs, Math.abs(d));
    sq += d * d;
  }
  const std = rowStd(theirs);
  const t6 = topIds(theirs, 6);
  const o5 = topIds(ours, 5);
  const t5 = new Set(t6.slice(0, 5));
  return {
    maxAbs,
    rms: Math.sqrt(sq / theirs.length),
    std,
    bound: relBound * std,
    margin: theirs[t6[0]!]! - theirs[t6[1]!]!,
    margin5: theirs[t6[4]!]! - theirs[t6[5]!]!,
    top1Same: o5[0] === t6[0],
    top5Same: o5.every((id) => t5.has(id)),
  };
}

/**
 * The assertions a position must pass: |Δlogit| within the bound; the same
 * top-1 unless llama.cpp's own top-1 margin is within the bound (a near-tie
 * either side may break); the same top-5 set unless its 5th/6th are as close.
 * Returns the failures, each naming the values.
 */
export function positionFailures(c: PositionCheck, where: string): string[] {
  const out: string[] = [];
  const at = `${where}: `;
  if (!(c.maxAbs <= c.bound))
    out.push(`${at}max |Δlogit| ${c.maxAbs.toFixed(5)} > bound ${c.bound.toFixed(5)} (std ${c.std.toFixed(3)})`);
  if (!c.top1Same && c.margin > c.bound)
    out.push(`${at}top-1 differs at llama.cpp margin ${c.margin.toFixed(5)} > bound ${c.bound.toFixed(5)}`);
  if (!c.top5Same && c.margin5 > c.bound)
    out.push(`${at}top-5 set differs at 5th/6th gap ${c.margin5.toFixed(5)} > bound ${c.bound.toFixed(5)}`);
  return out;
}

// ---- the two sides' inputs and outputs -------------------------------------

export interface ModelFiles {
  /** The model as its spec says (quantized, or f32/f16/bf16). */
  path: string;
  bytes: Uint8Array;
  /** Its F32 twin: the same tensors holding the dequantized values. */
  twinPath: string;
}

/** Writes `spec`'s model and its F32 twin into `dir`. */
export function writeModelFiles(dir: string, name: string, spec: SyntheticSpec): ModelFiles {
  const model = makeSyntheticModel(spec);
  const bytes = concatBytes(writeGguf(model));
  const path = join(dir, `${name}.gguf`);
  const twinPath = join(dir, `${name}.f32-twin.gguf`);
  writeFileSync(path, bytes);
  writeFileSync(twinPath, concatBytes(writeGguf(makeF32Twin(model))));
  return { path, bytes, twinPath };
}

/**
 * Our logits, teacher-forced: `prompt` is prefilled, then `forced` fed one
 * decode step at a time. Row j (the vocabulary's every logit, by id) is the
 * distribution forced[j] is chosen from, after position prompt.length - 1 + j.
 */
export async function engineForcedRows(
  model: Model,
  prompt: readonly number[],
  forced: readonly number[],
): Promise<Float32Array[]> {
  const session = await model.getSession();
  session.reset();
  const rows: Float32Array[] = [];
  const vocab = model.config.vocab;
  for await (const t of session.generate(prompt, { maxTokens: forced.length, forceIds: forced, topLogits: vocab })) {
    rows.push(denseTop(t.top!, vocab));
  }
  return rows;
}

/**
 * Our greedy continuation of `prompt` (`steps` ids; end-of-generation ids do not
 * stop it), with every step's full logits: rows[j] is what ids[j] was chosen from.
 */
export async function engineGreedy(
  model: Model,
  prompt: readonly number[],
  steps: number,
): Promise<{ ids: number[]; rows: Float32Array[] }> {
  const session = await model.getSession();
  session.reset();
  const ids: number[] = [];
  const rows: Float32Array[] = [];
  const vocab = model.config.vocab;
  for await (const t of session.generate(prompt, { maxTokens: steps, stopIds: [], topLogits: vocab })) {
    ids.push(t.id);
    rows.push(denseTop(t.top!, vocab));
  }
  return { ids, rows };
}

function denseTop(top: [number, number][], vocab: number): Float32Array {
  if (top.length !== vocab) throw new Error(`expected all ${vocab} logits, got ${top.length}`);
  const row = new Float32Array(vocab);
  for (const [id, v] of top) row[id] = v;
  return row;
}

/** Deterministic prompt ids spread over the vocabulary. */
export function promptIds(n: number, vocab: number, seed: number): number[] {
  let h = seed >>> 0;
  return Array.from({ length: n }, () => {
    h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return h % vocab;
  });
}
