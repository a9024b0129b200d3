/**
 * The engine in the browser against the engine in Node, on a model with the
 * exact shape of DeepSeek-R1-Distill-Qwen-1.5B (synthetic weights, the real
 * Qwen vocabulary; made once into .cache/models):
 *
 *   1. Chromium (SwiftShader WebGPU), fresh profile: the worker engine
 *      downloads the GGUF from a local file server into IndexedDB and loads it.
 *   2. Chromium relaunched on that profile, file server stopped: the same
 *      bytes read from IndexedDB with idb-keyval alone (and with the SHA-256
 *      the cache checks), against the worker engine's load from the cache;
 *      then one completion in the worker: prefill and decode tok/s.
 *   3. Node on Dawn (the same SwiftShader), the same file, prompt and options.
 *
 *   npm run bench:browser -- [--model FILE] [--prompt TEXT] [--gen 8] [--context 256] [--json]
 *
 * Prints figures, not pass/fail; exits non-zero only when a stage fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Engine } from '@webseek/engine';
import { nodeFileSource } from '@webseek/formats/node-source';
import { createNodeGpuContext } from '@webseek/gpu/node';
import type { ViteDevServer } from 'vite';
import { launchPersistent as launch, portOf, startTestVite } from '../../support/browser.ts';
import { startRangeServer } from '../../support/range-server.ts';
import {
  BENCH_API,
  type BenchAnswer,
  type BenchApi,
  type BenchRequest,
  type BenchResult,
  type LoadFigures,
  type RawRead,
  type RunFigures,
} from './protocol.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..', '..');
const DEFAULT_MODEL = join(REPO, '.cache', 'models', 'r1-qwen-1.5b-q4_0.gguf');
const DEFAULT_PROMPT = 'The three laws of thermodynamics, explained briefly for a curious student:';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    prompt: { type: 'string', default: DEFAULT_PROMPT },
    gen: { type: 'string', default: '8' },
    context: { type: 'string', default: '256' },
    json: { type: 'boolean', default: false },
  },
});
const modelPath = resolve(values.model ?? DEFAULT_MODEL);
const request = (stage: BenchRequest['stage'], url: string): BenchRequest => ({
  stage,
  url,
  prompt: values.prompt,
  maxTokens: Number(values.gen),
  contextLength: Number(values.context),
  prefillChunk: 128,
});

const say = (line: string) => (values.json ? console.error(line) : console.log(line));
const result = await main();
if (values.json) console.log(JSON.stringify(result));
process.exit(0);

async function main(): Promise<Record<string, unknown>> {
  ensureModel();
  const bytes = new Uint8Array(readFileSync(modelPath));
  say(
    `host: ${cpus()[0]?.model ?? 'CPU'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}`,
  );
  say(`model: ${modelPath} (${mb(bytes.byteLength).toFixed(1)} MB)`);
  const dir = mkdtempSync(join(tmpdir(), 'webseek-bench-browser-'));
  const profile = join(dir, 'profile');
  mkdirSync(profile);
  let vite: ViteDevServer | undefined;
  try {
    vite = await startTestVite(HERE, REPO, 'vite-bench-browser');
    const server = await startRangeServer();
    const url = server.add('r1-qwen-1.5b.gguf', { bytes, etag: '"bench"' });
    const first = await inBrowser(vite, profile, request('download', url));
    await server.close();
    printDownload(first.answer.load, bytes.byteLength);
    const second = await inBrowser(vite, profile, request('cached', url));
    say(`browser: Chromium ${second.browserVersion}, WebGPU adapter '${second.answer.device}'`);
    printCached(second.answer, bytes.byteLength);
    const node = await inNode(request('cached', url));
    printNode(node);
    printRatios(second.answer.run!, node.run);
    return { model: modelPath, bytes: bytes.byteLength, browser: { first: first.answer.load, ...second.answer }, node };
  } finally {
    await vite?.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

function ensureModel(): void {
  if (existsSync(modelPath)) return;
  if (values.model) throw new Error(`no model at ${modelPath}`);
  say(`making ${modelPath} (once; ~1 min)`);
  mkdirSync(dirname(modelPath), { recursive: true });
  const args = ['make-model', '--shape', 'DeepSeek-R1-Distill-Qwen-1.5B', '--type', 'q4_0', '--seed', '1'];
  const made = spawnSync(join(REPO, 'node_modules', '.bin', 'webseek'), [...args, '--out', modelPath], {
    stdio: 'inherit',
  });
  if (made.status !== 0) throw new Error(`webseek make-model exited ${made.status}`);
}

async function inBrowser(
  vite: ViteDevServer,
  profile: string,
  r: BenchRequest,
): Promise<{ answer: BenchAnswer; browserVersion: string }> {
  const browser = await launch(profile);
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => m.type() === 'error' && console.error(`browser: ${m.text()}`));
    await page.goto(`http://127.0.0.1:${portOf(vite)}/`);
    await page.waitForFunction((name) => name in window, BENCH_API);
    const result = (await page.evaluate(([name, req]) => (window as unknown as Record<string, BenchApi>)[name]!(req), [
      BENCH_API,
      r,
    ] as const)) as BenchResult;
    if ('error' in result)
      throw new Error(`${r.stage}: ${result.error.code ?? result.error.name}: ${result.error.message}`);
    return { answer: result, browserVersion: browser.browser()?.version() ?? 'unknown' };
  } finally {
    await browser.close();
  }
}

/** The same file, prompt and options on Dawn in this process. */
async function inNode(r: BenchRequest): Promise<{ device: string; loadMs: number; run: RunFigures }> {
  const ctx = await createNodeGpuContext({ label: 'bench-browser-node' });
  const engine = new Engine({ context: ctx });
  try {
    const t0 = performance.now();
    await engine.reload(await nodeFileSource(modelPath), {
      contextLength: r.contextLength,
      prefillChunk: r.prefillChunk,
    });
    const loadMs = performance.now() - t0;
    const request = { prompt: r.prompt, temperature: 0, ignore_eos: true } as const;
    await engine.completions.create({ ...request, max_tokens: 2 });
    await engine.resetChat();
    const answer = await engine.completions.create({ ...request, max_tokens: r.maxTokens });
    const u = answer.usage!;
    const a = ctx.adapterInfo;
    return {
      device: `${a.vendor} ${a.architecture} ${a.description}`.trim(),
      loadMs,
      run: {
        promptTokens: u.prompt_tokens,
        cachedTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
        completionTokens: u.completion_tokens,
        prefillTokS: u.extra.prefill_tokens_per_s,
        decodeTokS: u.extra.decode_tokens_per_s,
        ttftS: u.extra.time_to_first_token_s,
        e2eS: u.extra.e2e_latency_s,
        text: answer.choices[0]?.text ?? '',
      },
    };
  } finally {
    await engine.dispose();
    ctx.dispose();
  }
}

function printDownload(load: LoadFigures, size: number): void {
  const d = load.phases['download'];
  const fetchS = d ? d.to - d.from : Number.NaN;
  say(
    `browser, first visit: download into IndexedDB ${fetchS.toFixed(2)} s (${(mb(size) / fetchS).toFixed(0)} MB/s from localhost), whole load ${(load.ms / 1e3).toFixed(2)} s`,
  );
}

function printCached(a: BenchAnswer, size: number): void {
  const raw = [a.rawBefore!, a.rawAfter!];
  const best = (f: (r: RawRead) => number) => Math.min(...raw.map(f));
  const readS = best((r) => r.readMs) / 1e3;
  const hashS = best((r) => r.readAndHashMs) / 1e3;
  const loadS = a.load.ms / 1e3;
  say(
    `browser, IndexedDB alone: ${raw[0]!.chunks} chunks, ${mb(raw[0]!.bytes)} MB read in ${readS.toFixed(2)} s (${(mb(size) / readS).toFixed(0)} MB/s); read + SHA-256 ${hashS.toFixed(2)} s (${(mb(size) / hashS).toFixed(0)} MB/s)` +
      ` [runs: ${raw.map((r) => (r.readMs / 1e3).toFixed(2)).join(', ')} s]`,
  );
  const phases = Object.entries(a.load.phases)
    .map(([phase, s]) => `${phase} ${(s!.to - s!.from).toFixed(2)} s`)
    .join(', ');
  say(
    `browser, load from the cache (worker engine): ${loadS.toFixed(2)} s (${(mb(size) / loadS).toFixed(0)} MB/s) = ${(loadS / readS).toFixed(2)}× the raw read, ${(loadS / hashS).toFixed(2)}× read + SHA-256 [${phases}]`,
  );
  say(`browser, worker: ${runLine(a.run!)}`);
}

function printNode(n: { device: string; loadMs: number; run: RunFigures }): void {
  say(`node (Dawn '${n.device}'): load from file ${(n.loadMs / 1e3).toFixed(2)} s; ${runLine(n.run)}`);
}

function printRatios(browser: RunFigures, node: RunFigures): void {
  const same = browser.text === node.text ? 'same text' : 'TEXT DIFFERS';
  say(
    `ratios (browser worker / node): prefill ${(browser.prefillTokS / node.prefillTokS).toFixed(3)}, decode ${(browser.decodeTokS / node.decodeTokS).toFixed(3)}, ttft ${(browser.ttftS / node.ttftS).toFixed(3)}; ${same}`,
  );
}

function runLine(r: RunFigures): string {
  return `prompt ${r.promptTokens} tokens (${r.cachedTokens} reused), prefill ${r.prefillTokS.toFixed(4)} tok/s, ttft ${r.ttftS.toFixed(2)} s, decode ${r.completionTokens} tokens at ${r.decodeTokS.toFixed(4)} tok/s`;
}

function mb(bytes: number): number {
  return bytes / 1e6;
}
