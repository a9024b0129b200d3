/**
 * The Node maker: streaming a model through worker threads in small chunks
 * writes exactly writeGguf(makeSyntheticModel(spec)); F32 twins from files;
 * the spec-hash cache (made once, never a partial file under the real name);
 * the make-model command line.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  concatBytes,
  makeF32Twin,
  makeSyntheticModel,
  readGguf,
  type SyntheticSpec,
  writeGguf,
} from '@webseek/formats';
import { runMakeModel } from '@webseek/formats/synthetic-cli';
import {
  cachedSyntheticModel,
  cachedSyntheticTwin,
  syntheticFileName,
  writeF32Twin,
  writeSyntheticModel,
} from '@webseek/formats/synthetic-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFileSource } from '../../packages/formats/src/gguf/node-source.ts';
import { tinySpec } from './synthetic-cases.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'webseek-synthetic-node-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const fileSha = (path: string) => sha256(readFileSync(path));
const inMemory = (spec: SyntheticSpec) => sha256(concatBytes(writeGguf(makeSyntheticModel(spec))));

describe('writeSyntheticModel', () => {
  it.each([
    {
      name: 'qwen2 q4_k_m on 2 threads in 3-row chunks',
      spec: tinySpec('qwen2', 'q4_k_m'),
      threads: 2,
      chunk: 3 * 256,
    },
    { name: 'llama q4_k (rope_freqs) on 2 threads', spec: tinySpec('llama', 'q4_k'), threads: 2, chunk: 4096 },
    { name: 'llama f16 (head dim 16) on this thread', spec: tinySpec('llama', 'f16'), threads: 0, chunk: 1000 },
  ])('$name: byte for byte the in-memory file', async ({ spec, threads, chunk }) => {
    const path = join(dir, 'streamed.gguf');
    const seen: number[] = [];
    const made = await writeSyntheticModel(spec, path, {
      threads,
      chunkValues: chunk,
      onProgress: (p) => seen.push(p.doneBytes),
    });
    expect(fileSha(path)).toBe(inMemory(spec));
    expect(made.bytes).toBe(statSync(path).size);
    expect(seen.at(-1)).toBe(made.bytes);
    expect(seen.length).toBeGreaterThan(made.tensors);
  });

  it('leaves nothing under the real name, and no temporary file, when a run is interrupted', async () => {
    const path = join(dir, 'interrupted.gguf');
    let chunks = 0;
    const run = writeSyntheticModel(tinySpec('qwen2', 'q8_0'), path, {
      threads: 2,
      chunkValues: 2000,
      onProgress: () => {
        if (++chunks === 5) throw new Error('interrupted');
      },
    });
    await expect(run).rejects.toThrow('interrupted');
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('interrupted'))).toEqual([]);
  });
});

describe('writeF32Twin', () => {
  it('turns a model file into the same bytes as makeF32Twin', async () => {
    const spec = tinySpec('llama', 'q4_k_m');
    const model = join(dir, 'for-twin.gguf');
    await writeSyntheticModel(spec, model, { threads: 2 });
    const twin = join(dir, 'twin.gguf');
    const made = await writeF32Twin(model, twin);
    expect(fileSha(twin)).toBe(sha256(concatBytes(writeGguf(makeF32Twin(makeSyntheticModel(spec))))));
    expect(made.bytes).toBe(statSync(twin).size);
  });
});

describe('cachedSyntheticModel', () => {
  it('makes a model once, named by its spec hash, and a twin next to it', async () => {
    const cache = join(dir, 'cache');
    const spec = tinySpec('qwen2', 'q4_0');
    const path = await cachedSyntheticModel(spec, cache, { threads: 2 });
    expect(path).toBe(join(cache, syntheticFileName(spec)));
    expect(path).toMatch(/synthetic-qwen2-2x96-q4_0-tiny-s1-[0-9a-f]{16}\.gguf$/);
    const made = statSync(path).mtimeMs;
    expect(await cachedSyntheticModel(spec, cache)).toBe(path);
    expect(statSync(path).mtimeMs).toBe(made);
    expect(fileSha(path)).toBe(inMemory(spec));
    expect(syntheticFileName({ ...spec, seed: 2 })).not.toBe(syntheticFileName(spec));
    expect(syntheticFileName({ ...spec, outputScale: 5 })).not.toBe(syntheticFileName(spec));
    const twin = await cachedSyntheticTwin(spec, cache);
    const file = await nodeFileSource(twin);
    try {
      expect((await readGguf(file)).tensors.every((t) => t.typeName === 'f32')).toBe(true);
    } finally {
      await file.close();
    }
    expect(readdirSync(cache).sort()).toEqual([syntheticFileName(spec), syntheticFileName(spec, '.f32-twin')].sort());
  });
});

describe('make-model command line', () => {
  const run = async (argv: string[], chatTemplate?: string) => {
    let out = '';
    let err = '';
    const code = await runMakeModel(argv, { out: (t) => (out += t), err: (t) => (err += t), chatTemplate });
    return { code, out, err };
  };

  it('writes the model (and twin) the flags describe and prints one JSON summary line', async () => {
    const out = join(dir, 'cli.gguf');
    const twin = join(dir, 'cli-twin.gguf');
    const dims = 'nEmbd=256,nFf=512,nLayer=3,nHead=4,nKvHead=2,vocab=301,ctxTrain=512,ropeScaling=llama3';
    const argv = ['--arch', 'llama', '--dims', dims, '--type', 'q4_k_m', '--seed', '1', '--out', out, '--twin', twin];
    const result = await run([...argv, '--threads', '2'], 'tiny {{ messages }}');
    expect(result.code).toBe(0);
    const lines = result.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!);
    expect(summary).toMatchObject({ path: out, bytes: statSync(out).size, tensors: 31, type: 'q4_k_m' });
    expect(summary.seconds).toBeGreaterThan(0);
    expect(summary.twin).toMatchObject({ path: twin, bytes: statSync(twin).size });
    expect(result.err).toMatch(/make-model: model 100\.0%/);
    // Same bytes as the library makes from the equivalent spec (tinySpec's llama k-quant dims, eps 1e-6).
    expect(fileSha(out)).toBe(inMemory(tinySpec('llama', 'q4_k_m')));
  });

  it('prints usage and returns 2 on bad flags; --help prints usage to out', async () => {
    const missing = await run(['--shape', 'DeepSeek-R1-Distill-Qwen-1.5B']);
    expect([missing.code, missing.err]).toEqual([2, expect.stringMatching(/--out FILE is required[\s\S]*Usage:/)]);
    const badType = await run(['--dims', 'nEmbd=8', '--arch', 'qwen2', '--type', 'q5_k', '--out', 'x']);
    expect(badType.err).toMatch(/--type must be one of/);
    const badDims = await run(['--dims', 'nEmbd=8,bogus=1', '--arch', 'qwen2', '--out', 'x']);
    expect(badDims.err).toMatch(/unknown key "bogus"/);
    const unknown = await run(['--nope']);
    expect(unknown.code).toBe(2);
    const help = await run(['--help']);
    expect([help.code, help.out]).toEqual([0, expect.stringContaining('--shape ID')]);
  });
});
