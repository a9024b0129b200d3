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
 *   4. The roofline: bytes a decode step reads over the device's stream-read bandwidth, measured
 *      in the same run; and llama.cpp (CPU) on the same file and prompt ids, side by side.
 *
 * Prints figures, not pass/fail; exits non-zero only when a stage fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { configFromGguf, Engine } from '@webseek/engine';
import { readGguf } from '@webseek/formats';
import { nodeFileSource } from '@webseek/formats/node-source';
import { measureStreamReadGbps } from '@webseek/gpu';
import { createNodeGpuContext } from '@webseek/gpu/node';
import { measureCpuReadGbps, rawPrompt, runLlamaCpp } from '@webseek/server';
import { ggufTokenizerMeta, tokenizerFromGguf } from '@webseek/tokenizer';
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
    const roofline = await printRoofline(second.answer.run!, node);
    const llamaCpp = await againstLlamaCpp(second.answer.run!, node.run, roofline.bytesPerToken);
    return {
      model: modelPath,
      bytes: bytes.byteLength,
      browser: { first: first.answer.load, ...second.answer },
      node,
      roofline,
      llama_cpp: llamaCpp,
    };
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
interface NodeFigures {
  device: string;
  loadMs: number;
  run: RunFigures;
  /** The device's streaming-read bandwidth, measured in this run. */
  streamGbps: number;
}

async function inNode(r: BenchRequest): Promise<NodeFigures> {
  const ctx = await createNodeGpuContext({ label: 'bench-browser-node' });
  const engine = new Engine({ context: ctx });
  // A ByteSource given to reload stays ours to close.
  const source = await nodeFileSource(modelPath);
  try {
    const streamGbps = await measureStreamReadGbps(ctx);
    const t0 = performance.now();
    await engine.reload(source, {
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
      streamGbps,
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
    await source.close();
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

function printNode(n: NodeFigures): void {
  say(`node (Dawn '${n.device}'): load from file ${(n.loadMs / 1e3).toFixed(2)} s; ${runLine(n.run)}`);
}

function printRatios(browser: RunFigures, node: RunFigures): void {
  const same = browser.text === node.text ? 'same text' : 'TEXT DIFFERS';
  say(
    `ratios (browser worker / node): prefill ${(browser.prefillTokS / node.prefillTokS).toFixed(3)}, decode ${(browser.decodeTokS / node.decodeTokS).toFixed(3)}, ttft ${(browser.ttftS / node.ttftS).toFixed(3)}; ${same}`,
  );
}

/**
 * Bytes one decode step reads, from the file's tensor sizes (the GPU layouts are within a few % of
 * them): every matrix, one embedding row (the whole table when the output is tied to it), the
 * norms, and an f16 K and V row per position and layer at the run's mid-decode length.
 */
async function decodeBytesPerToken(kvLen: number): Promise<number> {
  const source = await nodeFileSource(modelPath);
  try {
    const gguf = await readGguf(source);
    const c = configFromGguf(gguf);
    const size = (name: string) => gguf.tensors.find((t) => t.name === name)?.byteSize ?? 0;
    const embed = size('token_embd.weight');
    const rest = gguf.tensors.reduce((n, t) => n + (t.byteSize ?? 0), 0) - embed;
    const output = c.tiedOutput ? embed : 0;
    return rest + output + embed / c.vocab + 2 * c.nLayer * kvLen * c.nKvHead * c.headDim * 2;
  } finally {
    await source.close();
  }
}

/** Decode against the device's own measured streaming-read bandwidth (the same SwiftShader in both). */
async function printRoofline(browser: RunFigures, node: NodeFigures) {
  const kvLen = browser.promptTokens + Math.ceil(browser.completionTokens / 2);
  const bytesPerToken = await decodeBytesPerToken(kvLen);
  const gbps = (tokS: number) => (bytesPerToken * tokS) / 1e9;
  const fraction = (tokS: number) => gbps(tokS) / node.streamGbps;
  say(
    `roofline: decode reads ${(bytesPerToken / 1e6).toFixed(1)} MB/token; device stream read ${node.streamGbps.toFixed(2)} GB/s; ` +
      `browser worker ${gbps(browser.decodeTokS).toFixed(2)} GB/s = ${(100 * fraction(browser.decodeTokS)).toFixed(1)}%, ` +
      `node ${gbps(node.run.decodeTokS).toFixed(2)} GB/s = ${(100 * fraction(node.run.decodeTokS)).toFixed(1)}%`,
  );
  return {
    bytesPerToken,
    streamGbps: node.streamGbps,
    browserFraction: fraction(browser.decodeTokS),
    nodeFraction: fraction(node.run.decodeTokS),
  };
}

/** llama.cpp (CPU, all cores) on the same file, prompt ids and lengths, against its own host's read bandwidth. */
async function againstLlamaCpp(browser: RunFigures, node: RunFigures, bytesPerToken: number) {
  const source = await nodeFileSource(modelPath);
  let ids: number[];
  try {
    const gguf = await readGguf(source);
    ids = rawPrompt(tokenizerFromGguf(ggufTokenizerMeta(gguf.metadata)), values.prompt).ids;
  } finally {
    await source.close();
  }
  if (ids.length !== browser.promptTokens)
    throw new Error(`prompt is ${ids.length} ids here, ${browser.promptTokens} in the engine`);
  const threads = cpus().length;
  const hostGbps = await measureCpuReadGbps(threads);
  const lc = await runLlamaCpp(modelPath, ids, browser.completionTokens, Number(values.context), threads);
  const gbps = (bytesPerToken * lc.decodeTokS) / 1e9;
  say(
    `llama.cpp: CPU × ${threads} threads, host read ${hostGbps.toFixed(2)} GB/s; prefill ${lc.prefillTokS.toFixed(2)} tok/s, decode ${lc.decodeTokS.toFixed(2)} tok/s = ${gbps.toFixed(2)} GB/s = ${((100 * gbps) / hostGbps).toFixed(1)}% of its read bandwidth`,
  );
  say(
    `ratios (/ llama.cpp): browser worker prefill ${(browser.prefillTokS / lc.prefillTokS).toFixed(3)}, decode ${(browser.decodeTokS / lc.decodeTokS).toFixed(3)}; ` +
      `node prefill ${(node.prefillTokS / lc.prefillTokS).toFixed(3)}, decode ${(node.decodeTokS / lc.decodeTokS).toFixed(3)}`,
  );
  return { ...lc, hostGbps, threads };
}

function runLine(r: RunFigures): string {
  return `prompt ${r.promptTokens} tokens (${r.cachedTokens} reused), prefill ${r.prefillTokS.toFixed(4)} tok/s, ttft ${r.ttftS.toFixed(2)} s, decode ${r.completionTokens} tokens at ${r.decodeTokS.toFixed(4)} tok/s`;
}

function mb(bytes: number): number {
  return bytes / 1e6;
}
