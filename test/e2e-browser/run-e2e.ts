/**
 * The engine in a Web Worker, end to end in headless Chromium (WebGPU on
 * SwiftShader): a tiny synthetic qwen2 model served by a local file server,
 * loaded by the ready-made worker (@webseek/worker/engine.worker) through the
 * IndexedDB weight cache, one streamed chat completion; then the browser is
 * closed, the file server STOPPED, Chromium relaunched on the same profile,
 * and the model loads from IndexedDB with no network request and answers the
 * same text, which is also what `webseek generate` answers in Node.
 *
 *   node --import ./scripts/register-ts.mjs test/e2e-browser/run-e2e.ts [--report FILE] [--timeout-s 300]
 *
 * Resume, corrupted-chunk refetch and QUOTA_EXCEEDED are not repeated here:
 * test/browser/run-loader.ts proves them on the same download() the worker uses.
 * Prints one line per step and 'N passed, N failed'; exits non-zero on failure.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesSource, concatBytes, makeSyntheticModel, readGguf, writeGguf } from '@webseek/formats';
import { ggufTokenizerMeta, StreamDecoder, tokenizerFromGguf } from '@webseek/tokenizer';
import type { BrowserContext, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { launchPersistent as launch, portOf, startTestVite } from '../support/browser.ts';
import { tinyQwen2 } from '../support/models.ts';
import { type RangeServer, startRangeServer } from '../support/range-server.ts';
import {
  type CaseResult,
  check,
  exitIfHung,
  finishRunner,
  runCase,
  runnerArgs,
  withDeadline,
} from '../support/runner.ts';
import { E2E_API, type E2eAnswer, type E2eApi, type E2eRequest, type E2eResult } from './protocol.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const BIN = join(REPO, 'node_modules', '.bin', 'webseek');
// Exactly test/browser/run-smoke.ts's flags (shared/recipes/WEBGPU-ON-CPU.md).
const MAX_TOKENS = 8;
const MESSAGES: E2eRequest['messages'] = [{ role: 'user', content: 'What is the capital of France?' }];
// qwen2 with q/k/v biases, GQA 4/2, odd FFN rows, 2 layers, q8_0; the 301-id tiny vocabulary.
const SPEC = tinyQwen2();

interface Run {
  dir: string;
  modelPath: string;
  chatPath: string;
  bytes: Uint8Array;
  profile: string;
  vite?: ViteDevServer;
  server?: RangeServer;
  browser?: BrowserContext;
  url: string;
  first?: E2eAnswer;
  second?: E2eAnswer;
}

const { report, timeoutMs: TIMEOUT_MS } = runnerArgs(300);
const began = Date.now();
exitIfHung('e2e', TIMEOUT_MS);
finishRunner('e2e', await runAll(), began, report);

async function runAll(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'webseek-e2e-'));
  const run: Run = {
    dir,
    modelPath: join(dir, 'tiny-qwen2-q8_0.gguf'),
    chatPath: join(dir, 'chat.json'),
    bytes: concatBytes(writeGguf(makeSyntheticModel(SPEC))),
    profile: join(dir, 'profile'),
    url: '',
  };
  try {
    await withDeadline('e2e', runSteps(run, results), TIMEOUT_MS, results, began);
  } finally {
    await run.browser?.close().catch(() => {});
    await run.server?.close().catch(() => {});
    await run.vite?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
  return results;
}

async function runSteps(run: Run, results: CaseResult[]): Promise<void> {
  mkdirSync(run.profile);
  writeFileSync(run.modelPath, run.bytes);
  writeFileSync(run.chatPath, JSON.stringify(MESSAGES));
  run.server = await startRangeServer();
  run.url = run.server.add('tiny-qwen2-q8_0.gguf', { bytes: run.bytes, etag: '"tiny-qwen2-q8_0"' });
  run.vite = await startVite();
  console.log(`e2e: model ${run.bytes.byteLength} bytes at ${run.url}`);
  const steps: [string, (run: Run) => Promise<void>][] = [
    ['1. fresh profile: the worker engine downloads the model with progress and streams a chat completion', firstRun],
    ['2. relaunched on the same profile, file server stopped: loads from IndexedDB, no network, same text', secondRun],
    ['3. the same text as `webseek generate` in Node on the same file and chat', againstCli],
  ];
  for (const [name, step] of steps) if (!(await runCase(name, () => step(run), results))) break;
}

async function firstRun(run: Run): Promise<void> {
  run.browser = await launch(run.profile);
  const requests: string[] = [];
  const answer = await askPage(run, requests);
  run.first = answer;
  // What makes run 2's zero meaningful: the counter sees the worker's fetches.
  check(
    requests.some((r) => r === run.url),
    `page/context request events missed the worker's weight fetches: ${JSON.stringify(requests)}`,
  );
  console.log(`       browser saw ${requests.length} requests to the file server`);
  console.log(`       worker device: '${answer.device}' limits ${JSON.stringify(answer.limits)}`);
  const size = run.bytes.byteLength;
  const withBytes = answer.progress.filter((p) => p.bytesTotal > 0 && p.bytesDone > 0);
  printProgress(answer);
  check(withBytes.length >= 3, `only ${withBytes.length} progress callbacks with bytes`);
  const downloaded = answer.progress.filter((p) => p.phase === 'download');
  check(
    downloaded.some((p) => p.bytesDone === size && p.bytesTotal === size),
    `no download progress reached ${size} bytes`,
  );
  const last = answer.progress.at(-1);
  check(last?.fraction === 1 && last.phase === 'ready', `last progress ${JSON.stringify(last)}`);
  check(
    answer.progress.every((p, i) => i === 0 || p.fraction >= answer.progress[i - 1]!.fraction),
    'the load fraction went backwards',
  );
  const gets = run.server!.log.filter((r) => r.method === 'GET' && r.status < 300);
  check(gets.length > 0, 'the file server saw no GET for the weights');
  console.log(
    `       file server: ${run.server!.log.map((r) => `${r.method} ${r.range ?? 'all'} ${r.status}`).join(', ')}`,
  );
  printAnswer(answer);
  check(answer.chunks > 0 && textOf(answer).length > 0, 'the stream produced no text');
}

async function secondRun(run: Run): Promise<void> {
  await run.browser!.close();
  run.browser = undefined;
  await run.server!.close();
  run.server = undefined;
  run.browser = await launch(run.profile);
  const requests: string[] = [];
  const answer = await askPage(run, requests);
  run.second = answer;
  printProgress(answer);
  printAnswer(answer);
  check(requests.length === 0, `requests to the (stopped) file server: ${requests.join(', ')}`);
  check(
    !answer.progress.some((p) => p.phase === 'download' && p.bytesDone > 0 && p.bytesDone < p.bytesTotal),
    'a partial download progress on a cached model',
  );
  check(answer.progress.at(-1)?.fraction === 1, 'the cached load did not reach 100%');
  check(answer.model.id === run.first!.model.id, `model id ${answer.model.id} vs ${run.first!.model.id}`);
  check(
    JSON.stringify(answer.deltas) === JSON.stringify(run.first!.deltas),
    `streamed deltas differ from run 1: ${JSON.stringify(answer.deltas)} vs ${JSON.stringify(run.first!.deltas)}`,
  );
  check(
    textOf(answer) === textOf(run.first!),
    `text differs from run 1: ${JSON.stringify(textOf(answer))} vs ${JSON.stringify(textOf(run.first!))}`,
  );
}

async function againstCli(run: Run): Promise<void> {
  const args = ['generate', '--model', run.modelPath, '--chat', run.chatPath];
  args.push('--max-tokens', String(MAX_TOKENS), '--temperature', '0', '--json');
  const out = await spawnCli(args);
  const cli = JSON.parse(out) as { prompt_ids: number[]; ids: number[]; text: string };
  const tokenizer = tokenizerFromGguf(ggufTokenizerMeta((await readGguf(bytesSource(run.bytes, 'm.gguf'))).metadata));
  // The engine's stream skips special tokens; so does this decode.
  const cliText = tokenizer.decode(cli.ids, { skipSpecial: true });
  console.log(`       webseek generate: ids ${JSON.stringify(cli.ids)} text ${JSON.stringify(cli.text)}`);
  console.log(`       skipping specials: ${JSON.stringify(cliText)}`);
  // Token by token: the CLI's ids through the streaming detokenizer vs the browser's chunks
  // (stronger than the whole text, whose U+FFFD can hide which bytes were generated).
  const decoder = new StreamDecoder(tokenizer, { skipSpecial: true });
  const pieces = [...cli.ids.map((id) => decoder.push(id)), decoder.flush()].filter((t) => t !== '');
  const chunks = run.second!.deltas.filter((t) => t !== '');
  console.log(`       per token: CLI ${JSON.stringify(pieces)} browser ${JSON.stringify(chunks)}`);
  check(
    JSON.stringify(pieces.map(normalize)) === JSON.stringify(chunks.map(normalize)),
    'the streamed pieces differ token by token',
  );
  const browser = textOf(run.second!);
  check(
    run.second!.promptTokens === cli.prompt_ids.length && run.second!.completionTokens === cli.ids.length,
    `tokens: browser ${run.second!.promptTokens} prompt + ${run.second!.completionTokens} generated, ` +
      `CLI ${cli.prompt_ids.length} + ${cli.ids.length}`,
  );
  check(
    normalize(cliText) === normalize(browser),
    `browser ${JSON.stringify(browser)} vs CLI ${JSON.stringify(cliText)}`,
  );
}

/** Reasoning then answer, as one text (the R1 template opens the reply inside <think>). */
function textOf(a: E2eAnswer): string {
  return a.reasoning + a.content;
}

/** The chat stream splits reasoning at the think tags and drops them; the raw decode keeps them. */
function normalize(text: string): string {
  return text.replace(/<\/?think>/g, '');
}

function printProgress(a: E2eAnswer): void {
  const steps = a.progress.map((p) => `${p.phase} ${p.bytesDone}/${p.bytesTotal} ${(p.fraction * 100).toFixed(0)}%`);
  console.log(`       progress: ${steps.join(', ')}`);
}

function printAnswer(a: E2eAnswer): void {
  console.log(
    `       answer: ${a.chunks} chunks, ${a.promptTokens} prompt + ${a.completionTokens} generated tokens, finish ${a.finishReason}, reasoning ${JSON.stringify(a.reasoning)} ` +
      `content ${JSON.stringify(a.content)}; load ${a.loadMs.toFixed(0)} ms, generate ${a.generateMs.toFixed(0)} ms`,
  );
}

/** Opens the page on a fresh tab, runs one load + chat, and records requests to any non-Vite port. */
async function askPage(run: Run, requests: string[]): Promise<E2eAnswer> {
  const page: Page = run.browser!.pages()[0] ?? (await run.browser!.newPage());
  const vitePort = portOf(run.vite!);
  const onRequest = (request: { url(): string }) => {
    const u = new URL(request.url());
    if (u.port !== String(vitePort)) requests.push(request.url());
  };
  // Context-wide and per page: a dedicated worker's fetches are reported on its page.
  run.browser!.on('request', onRequest);
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`       browser: ${m.text()}`);
  });
  let failPage!: (e: Error) => void;
  const crashed = new Promise<never>((_, reject) => {
    failPage = reject;
  });
  page.on('pageerror', (e) => failPage(new Error(`page error: ${e.message}`)));
  page.on('crash', () => failPage(new Error('the page crashed')));
  await page.goto(`http://127.0.0.1:${vitePort}/`);
  await page.waitForFunction((name) => name in window, E2E_API);
  const request: E2eRequest = { url: run.url, messages: MESSAGES, maxTokens: MAX_TOKENS };
  const result = await Promise.race([
    page.evaluate(([name, r]) => (window as unknown as Record<string, E2eApi>)[name]!(r), [
      E2E_API,
      request,
    ] as const) as Promise<E2eResult>,
    crashed,
  ]);
  run.browser!.off('request', onRequest);
  if ('error' in result) throw new Error(`${result.error.code ?? result.error.name}: ${result.error.message}`);
  return result;
}

function spawnCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`webseek exited ${code}: ${stderr.trim().split('\n').at(-1)}`)),
    );
  });
}

function startVite(): Promise<ViteDevServer> {
  return startTestVite(HERE, REPO, 'vite-e2e-browser');
}
