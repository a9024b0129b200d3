/**
 * The IndexedDB weight cache in headless Chromium, inside a dedicated worker,
 * against a local HTTP server (test/support/range-server.ts). Serves
 * test/browser with Vite, opens loader.html (which starts loader-worker.ts),
 * and drives it case by case from here, where the server and the browser can
 * be controlled: stop the server and reload the page, cut a download, shrink
 * the origin's real storage quota (CDP Storage.overrideQuotaForOrigin).
 *
 *   node --import ./scripts/register-ts.mjs test/browser/run-loader.ts [--report .cache/reports/browser-loader.json]
 *
 * Prints one line per case and a summary; --report writes the vitest-shaped
 * counts run-smoke.ts writes. Exits non-zero when a case fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { launchPersistent as launch, startTestVite } from '../support/browser.ts';
import { patternBytes, type RangeServer, sha256, startRangeServer } from '../support/range-server.ts';
import { type CaseResult, check, writeReport } from '../support/runner.ts';
import { type Downloaded, type Failure, LOADER_API, type LoaderTestApi } from './loader-protocol.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const DEADLINE_MS = 120_000;

// Odd sizes: a short last chunk, chunk edges inside the server's 64 KiB writes.
const SIZE = 2_000_003;
const CHUNK = 131_071;
const CHUNKS = Math.ceil(SIZE / CHUNK); // 16
const FILE = patternBytes(SIZE, 11);
const FILE_SHA = sha256(FILE);
const chunkRange = (k: number) => `bytes=${k * CHUNK}-${Math.min((k + 1) * CHUNK, SIZE) - 1}`;

interface Env {
  page: Page;
  vite: ViteDevServer;
  /** The file server; replaced when a case stops it. */
  server: RangeServer;
  vitePort: number;
  /** Requests the page and its worker made to any file server, as URLs. */
  requests: string[];
  url(name: string): string;
}

type Case = { name: string; run(env: Env): Promise<void> };

async function runAll(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const profile = mkdtempSync(join(tmpdir(), 'webseek-loader-'));
  let vite: ViteDevServer | undefined;
  let browser: BrowserContext | undefined;
  let server: RangeServer | undefined;
  try {
    vite = await startVite();
    server = await startRangeServer();
    browser = await launch(profile);
    const env = await openPage(browser, vite, server);
    for (const c of CASES) {
      const result = await runCase(c, env);
      results.push(result);
      console.log(
        `  ${result.status === 'passed' ? 'PASS' : 'FAIL'} ${result.ms.toFixed(0).padStart(6)} ms  ${c.name}${result.message ? `\n       ${result.message}` : ''}`,
      );
    }
    server = env.server;
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
    console.error(`browser loader: run failed: ${message}`);
    results.push({ name: 'loader harness', status: 'failed', ms: Date.now() - began, message });
  } finally {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
    await vite?.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
  return results;
}

async function runCase(c: Case, env: Env): Promise<CaseResult> {
  const t = Date.now();
  try {
    await c.run(env);
    return { name: c.name, status: 'passed', ms: Date.now() - t };
  } catch (error) {
    return {
      name: c.name,
      status: 'failed',
      ms: Date.now() - t,
      message: error instanceof Error ? error.message : String(error),
    };
  } finally {
    Object.assign(env.server, { dropNextAfter: undefined });
    env.server.log.length = 0;
  }
}

// --- the cases

const CASES: Case[] = [
  {
    name: 'downloads into IndexedDB from a dedicated worker, with progress, and reads back identical bytes',
    async run(env) {
      check((await call(env, (api) => api.scope())) === 'DedicatedWorkerGlobalScope', 'not in a dedicated worker');
      const url = env.url('a.gguf');
      const d = ok(await call(env, (api, [u, c]) => api.download(u, { chunkBytes: c }), [url, CHUNK] as const));
      checkDownload(d, url);
      const downloads = d.progress.filter((p) => p.phase === 'download');
      check(downloads.length > 2, `only ${downloads.length} download progress reports`);
      const last = downloads.at(-1)!;
      check(
        last.bytesDone === SIZE && last.bytesTotal === SIZE && last.etaSeconds === 0,
        `last progress ${JSON.stringify(last)}`,
      );
      check(
        downloads.every((p, i) => i === 0 || p.bytesDone >= downloads[i - 1]!.bytesDone),
        'progress went backwards',
      );
      check(
        d.progress.some((p) => p.phase === 'verify' && p.bytesDone === SIZE),
        'no complete verify phase',
      );
      check(
        env.requests.some((r) => r.startsWith(url)),
        'page.on(request) saw no request from the worker',
      );
      const listed = await call(env, (api) => api.list());
      check(
        listed.some((m) => m.id === url && m.complete && m.storedBytes === SIZE),
        `list: ${JSON.stringify(listed)}`,
      );
      const slice = ok(await call(env, (api, [u, o]) => api.readSlice(u, o, 10), [url, CHUNK - 4] as const));
      check(same(slice, FILE.subarray(CHUNK - 4, CHUNK + 6)), 'a read across a chunk edge differs');
    },
  },
  {
    name: 'after a page reload with the file server stopped, opens from IndexedDB with zero network requests',
    async run(env) {
      const url = env.url('a.gguf');
      await env.server.close();
      env.requests.length = 0;
      await env.page.reload();
      await env.page.waitForFunction((name) => name in window, LOADER_API);
      const opened = ok(await call(env, (api, u) => api.openAndHash(u), url));
      check(
        opened !== null && opened.size === SIZE && opened.sha256 === FILE_SHA,
        `reopened: ${JSON.stringify(opened)}`,
      );
      // download() of a committed model is a cache hit too.
      const again = ok(await call(env, (api, u) => api.download(u, {}), url));
      check(again.sha256 === FILE_SHA, 'download() of the cached model read different bytes');
      check(env.requests.length === 0, `requests to the file server: ${env.requests.join(', ')}`);
      env.server = await startRangeServer();
    },
  },
  {
    name: 'a chunk overwritten in IndexedDB (with a matching hash) is detected on read and refetched with one Range request',
    async run(env) {
      const url = env.url('b.gguf');
      ok(await call(env, (api, [u, c]) => api.download(u, { chunkBytes: c }), [url, CHUNK] as const));
      await call(env, (api, [u, k, n]) => api.corruptChunk(u, k, n), [url, 5, CHUNK] as const);
      env.server.log.length = 0;
      const opened = ok(await call(env, (api, u) => api.openAndHash(u), url));
      check(opened?.sha256 === FILE_SHA, 'bytes read after the repair differ from the file');
      const ranges = dataRanges(env.server);
      check(ranges.length === 1 && ranges[0] === chunkRange(5), `requests: ${ranges.join(', ')}`);
      const again = ok(await call(env, (api, u) => api.openAndHash(u), url));
      check(again?.sha256 === FILE_SHA && dataRanges(env.server).length === 1, 'the repaired chunk was not stored');
    },
  },
  {
    name: 'a download cut mid-file is never opened, and resumes fetching only the missing range',
    async run(env) {
      const url = env.url('c.gguf');
      env.server.dropNextAfter = 7 * CHUNK + 999;
      const cut = await call(env, (api, [u, c]) => api.download(u, { chunkBytes: c, retries: 0 }), [
        url,
        CHUNK,
      ] as const);
      check(failed(cut, 'NETWORK') && cut.error.message.includes(url), `first attempt: ${JSON.stringify(cut)}`);
      check((await call(env, (api, u) => api.openAndHash(u), url)) === null, 'an incomplete download opened');
      // Up to 7 whole chunks arrived before the cut (bytes in flight when it closed may be lost).
      const stored = await call(env, (api, u) => api.stored(u), url);
      const n = stored.chunks.length;
      const prefix = stored.chunks.sort((a, b) => a - b).every((k, i) => k === i);
      check(n >= 1 && n <= 7 && prefix && stored.manifest, `stored after the cut: ${JSON.stringify(stored)}`);
      env.server.log.length = 0;
      const d = ok(await call(env, (api, [u, c]) => api.download(u, { chunkBytes: c }), [url, CHUNK] as const));
      checkDownload(d, url);
      const ranges = dataRanges(env.server);
      check(
        ranges.length === 1 && ranges[0] === `bytes=${n * CHUNK}-${SIZE - 1}`,
        `resumed with: ${ranges.join(', ')}`,
      );
    },
  },
  {
    // This Chromium's navigator.storage.estimate() reports a static quota (usage + 10 GiB, an
    // anti-fingerprinting measure) while IndexedDB enforces the real one, so a too-small real
    // quota is met at write time: the QuotaExceededError path (the up-front refusal is the next
    // case). Chromium applies a quota override only to an origin that has not opened IndexedDB
    // yet, so this case runs in a second origin (localhost instead of 127.0.0.1).
    name: 'too small a real storage quota (CDP override, fresh origin): QuotaExceededError mid-download becomes QUOTA_EXCEEDED, nothing left',
    async run(env) {
      const url = env.url('d.gguf');
      const page = await env.page.context().newPage();
      try {
        const cdp = await env.page.context().newCDPSession(page);
        const fresh = `http://localhost:${env.vitePort}`;
        await cdp.send('Storage.overrideQuotaForOrigin', { origin: fresh, quotaSize: Math.floor(SIZE / 2) });
        await page.goto(`${fresh}/loader.html`);
        await page.waitForFunction((name) => name in window, LOADER_API);
        const other = { page };
        const r = await call(other, (api, [u, c]) => api.download(u, { chunkBytes: c }), [url, CHUNK] as const);
        check(
          failed(r, 'QUOTA_EXCEEDED') && /ran out of room/.test(r.error.message),
          `result: ${JSON.stringify(r).slice(0, 300)}`,
        );
        check(r.error.message.includes(url), 'the error does not name the model');
        const stored = await call(other, (api, u) => api.stored(u), url);
        check(stored.chunks.length === 0 && !stored.manifest, `left behind: ${JSON.stringify(stored)}`);
        const listed = await call(other, (api) => api.list());
        check(!listed.some((m) => m.id === url), 'the failed model is listed');
        const fetched = dataBytes(env.server);
        check(
          fetched > CHUNK && fetched <= SIZE,
          `${fetched} bytes fetched: the download should have stopped part-way`,
        );
      } finally {
        await page.close();
      }
    },
  },
  {
    name: 'a store budget (maxBytes) smaller than the model: QUOTA_EXCEEDED up front, nothing written',
    async run(env) {
      const url = env.url('f.gguf');
      const r = await call(env, (api, [u, c, m]) => api.download(u, { chunkBytes: c, maxBytes: m }), [
        url,
        CHUNK,
        0,
      ] as const);
      check(failed(r, 'QUOTA_EXCEEDED'), `result: ${JSON.stringify(r)}`);
      const stored = await call(env, (api, u) => api.stored(u), url);
      check(stored.chunks.length === 0 && !stored.manifest, `left behind: ${JSON.stringify(stored)}`);
    },
  },
];

// --- helpers

/** Runs `fn` in the page with the worker's API (`fn` is serialized: it may use only its arguments). */
async function call<R, A = undefined>(
  env: { page: Page },
  fn: (api: LoaderTestApi, arg: A) => Promise<R>,
  arg?: A,
): Promise<R> {
  const api = await env.page.evaluateHandle(
    (name) => (window as unknown as Record<string, LoaderTestApi>)[name]!,
    LOADER_API,
  );
  try {
    return (await api.evaluate(fn as (api: LoaderTestApi, arg: unknown) => Promise<R>, arg)) as R;
  } finally {
    await api.dispose();
  }
}

function ok<T>(result: T | Failure): T {
  if (result && typeof result === 'object' && 'error' in result) {
    throw new Error(`${result.error.code}: ${result.error.message}`);
  }
  return result as T;
}

function failed(result: unknown, code: string): result is Failure {
  return !!result && typeof result === 'object' && 'error' in result && (result as Failure).error.code === code;
}

function checkDownload(d: Downloaded, url: string): void {
  check(d.id === url && d.size === SIZE, `downloaded ${d.id} of ${d.size} bytes`);
  check(d.sha256 === FILE_SHA, 'bytes read back differ from the file');
  check(
    d.manifest.complete && d.manifest.chunks === CHUNKS && d.manifest.chunkSha256?.length === CHUNKS,
    'manifest not committed',
  );
}

function same(actual: number[], expected: Uint8Array): boolean {
  return actual.length === expected.length && actual.every((v, i) => v === expected[i]);
}

function dataRanges(server: RangeServer): string[] {
  return server.ranges().filter((r) => r !== 'bytes=0-0');
}

/** Body bytes the server sent for data requests (size probes left out). */
function dataBytes(server: RangeServer): number {
  return server.log.filter((r) => r.method === 'GET' && r.range !== 'bytes=0-0').reduce((sum, r) => sum + r.sent, 0);
}

function startVite(): Promise<ViteDevServer> {
  return startTestVite(HERE, REPO, 'vite-browser-loader');
}

async function openPage(browser: BrowserContext, vite: ViteDevServer, server: RangeServer): Promise<Env> {
  const page = browser.pages()[0] ?? (await browser.newPage());
  const address = vite.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the Vite server has no TCP address');
  const env: Env = {
    page,
    vite,
    vitePort: address.port,
    server,
    requests: [],
    url: (name) => env.server.add(name, { bytes: FILE, etag: name }),
  };
  // Counts requests to any file server (127.0.0.1 on a port other than Vite's), from the page and its worker.
  page.on('request', (request) => {
    const u = new URL(request.url());
    if (u.port !== String(address.port)) env.requests.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`  browser: ${message.text()}`);
  });
  await page.goto(`http://127.0.0.1:${address.port}/loader.html`);
  await page.waitForFunction((name) => name in window, LOADER_API);
  return env;
}

// --- main (last: the cases above must be initialized first)

const { values } = parseArgs({ options: { report: { type: 'string' } } });
const began = Date.now();
setTimeout(() => {
  console.error('browser loader: deadline passed; exiting');
  process.exit(1);
}, DEADLINE_MS + 30_000).unref();
const results = await runAll();
const failures = results.filter((r) => r.status === 'failed').length;
console.log(
  `browser loader: ${results.length - failures} passed, ${failures} failed in ${((Date.now() - began) / 1000).toFixed(1)} s`,
);
if (values.report) writeReport(values.report, results, began);
process.exit(failures > 0 || results.length === 0 ? 1 : 0);
