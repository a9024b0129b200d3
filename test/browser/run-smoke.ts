/**
 * Kernel smoke tests in a dedicated Web Worker in headless Chromium (WebGPU on
 * SwiftShader when there is no GPU). Serves test/browser with Vite, opens the
 * page, which starts worker.ts; the worker runs cases.ts and its results come
 * back here through a function exposed on the page.
 *
 *   npm run test:browser -- [--grep matVec] [--report .cache/reports/browser.json] [--timeout-s 300]
 *
 * --grep keeps the cases whose name contains the text; --report writes vitest-shaped
 * counts (numPassedTests, numFailedTests, numPendingTests) and per-case results as JSON.
 * CHROMIUM_PATH overrides /usr/bin/chromium (Debian's, which ships SwiftShader).
 *
 * Exits non-zero when a case fails, none ran, or there is no WebGPU adapter.
 * Browser, profile and server are always cleaned up; the whole run has a deadline.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BrowserContext } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { launchPersistent, startTestVite } from '../support/browser.ts';
import { type CaseResult, REPORT_FUNCTION, type SmokeEvent } from './protocol.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
// The flags WebGPU needs headless as root, on SwiftShader (shared/recipes/WEBGPU-ON-CPU.md).

interface Options {
  report: string | undefined;
  grep: string;
  timeoutMs: number;
}

interface Outcome {
  ready?: Extract<SmokeEvent, { type: 'ready' }>;
  results: CaseResult[];
  /** Why the run stopped early, if it did. */
  fatal?: string;
  workerMs?: number;
}

const options = readOptions();
const began = Date.now();
// Last resort if closing the browser or server hangs after the deadline: CI must never wait forever.
setTimeout(() => {
  console.error('browser smoke: cleanup hung after the deadline; exiting');
  process.exit(1);
}, options.timeoutMs + 30_000).unref();
const outcome = settle(await runWithDeadline(options));
printSummary(outcome, Date.now() - began);
if (options.report) writeReport(options.report, outcome, began);
process.exit(outcome.fatal || count(outcome, 'failed') > 0 ? 1 : 0);

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      report: { type: 'string' },
      grep: { type: 'string', default: '' },
      'timeout-s': { type: 'string', default: '300' },
    },
  });
  return { report: values.report, grep: values.grep, timeoutMs: Number(values['timeout-s']) * 1000 };
}

/** Runs the smoke test; on the deadline or any error, records why and still cleans up everything. */
async function runWithDeadline(opts: Options): Promise<Outcome> {
  const outcome: Outcome = { results: [] };
  let server: ViteDevServer | undefined;
  let browser: BrowserContext | undefined;
  const profile = mkdtempSync(join(tmpdir(), 'webseek-smoke-'));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${opts.timeoutMs / 1000} s`)), opts.timeoutMs);
  });
  try {
    await Promise.race([
      (async () => {
        server = await startServer();
        browser = await launchPersistent(profile);
        await runPage(browser, pageUrl(server, opts.grep), outcome);
      })(),
      deadline,
    ]);
  } catch (error) {
    // Playwright appends the whole browser log to its messages: the first line says what failed.
    outcome.fatal ??= (error instanceof Error ? error.message : String(error)).split('\n')[0];
  } finally {
    clearTimeout(timer);
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
    removeProfile(profile);
  }
  return outcome;
}

/** Chromium's helpers may still be writing when a crashed browser is reaped: retry, then only warn. */
function removeProfile(profile: string): void {
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (error) {
    console.error(`browser smoke: could not remove the profile ${profile}: ${(error as Error).message}`);
  }
}

function startServer(): Promise<ViteDevServer> {
  return startTestVite(HERE, REPO, 'vite-browser-smoke');
}

function pageUrl(server: ViteDevServer, grep: string): string {
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the Vite server has no TCP address');
  return `http://127.0.0.1:${address.port}/?grep=${encodeURIComponent(grep)}`;
}

/** Opens the page and collects the worker's events until 'done' or a fatal one. */
async function runPage(browser: BrowserContext, url: string, outcome: Outcome): Promise<void> {
  const page = browser.pages()[0] ?? (await browser.newPage());
  let over = false;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = () => {
      over = true;
      resolve();
    };
  });
  // Only while the run is on: closing the browser afterwards is not a failure.
  const stop = (why: string) => {
    if (over) return;
    outcome.fatal ??= why;
    finish();
  };
  await page.exposeFunction(REPORT_FUNCTION, (event: SmokeEvent) => {
    if (!over && onEvent(event, outcome)) finish();
  });
  page.on('pageerror', (error) => stop(`page error: ${error.message}`));
  page.on('crash', () => stop('the page crashed'));
  page.on('close', () => stop('the page closed before the run ended'));
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`  browser: ${message.text()}`);
  });
  await page.goto(url);
  await finished;
}

/** Prints the event's line; true when the run is over. */
function onEvent(event: SmokeEvent, outcome: Outcome): boolean {
  switch (event.type) {
    case 'ready': {
      outcome.ready = event;
      const a = event.adapter;
      const adapter = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' ');
      console.log(
        `browser smoke: ${event.browser}, ${event.scope}, adapter '${adapter}'${a.isSoftware ? ' (software)' : ''}, ` +
          `subgroups=${event.subgroups} (size ${event.subgroupSizes.join('-')}) shader-f16=${event.shaderF16}, ` +
          `${event.cases} cases`,
      );
      return false;
    }
    case 'case':
      outcome.results.push(event.result);
      console.log(caseLine(event.result));
      return false;
    case 'done':
      outcome.workerMs = event.ms;
      return true;
    case 'fatal':
      outcome.fatal ??= event.message;
      return true;
  }
}

function caseLine(r: CaseResult): string {
  const mark = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' }[r.status];
  const err = r.maxAbsError === undefined ? '' : `max|err| ${r.maxAbsError.toExponential(2)}`;
  const detail = r.message ? `\n       ${r.message}` : '';
  const run = r.runMs === undefined ? '' : `(gpu ${r.runMs.toFixed(0)})`;
  return `  ${mark} ${r.ms.toFixed(0).padStart(6)} ms ${run.padEnd(10)} ${err.padEnd(17)}  ${r.name}${detail}`;
}

/** Turns a run that ended without every announced case into a fatal one. */
function settle(outcome: Outcome): Outcome {
  const announced = outcome.ready?.cases;
  if (!outcome.fatal && announced === 0) outcome.fatal = 'no case matched --grep';
  if (!outcome.fatal && announced !== undefined && outcome.results.length !== announced) {
    outcome.fatal = `the worker announced ${announced} cases but reported ${outcome.results.length}`;
  }
  return outcome;
}

function count(outcome: Outcome, status: CaseResult['status']): number {
  return outcome.results.filter((r) => r.status === status).length;
}

function printSummary(outcome: Outcome, ms: number): void {
  if (outcome.fatal) console.error(`browser smoke: run failed: ${outcome.fatal}`);
  const worker = outcome.workerMs === undefined ? '' : `, worker ${(outcome.workerMs / 1000).toFixed(2)} s`;
  console.log(
    `browser smoke: ${count(outcome, 'passed')} passed, ${count(outcome, 'failed')} failed, ` +
      `${count(outcome, 'skipped')} skipped in ${(ms / 1000).toFixed(1)} s${worker}`,
  );
}

/** vitest-shaped counts (scripts/summarize-tests.mjs adds them up); a fatal stop counts as one failure. */
function writeReport(path: string, outcome: Outcome, startTime: number): void {
  const numFailedTests = count(outcome, 'failed') + (outcome.fatal ? 1 : 0);
  const report = {
    numTotalTests: outcome.results.length + (outcome.fatal ? 1 : 0),
    numPassedTests: count(outcome, 'passed'),
    numFailedTests,
    numPendingTests: count(outcome, 'skipped'),
    numTodoTests: 0,
    success: numFailedTests === 0,
    startTime,
    durationMs: Date.now() - startTime,
    ...(outcome.fatal ? { fatal: outcome.fatal } : {}),
    environment: outcome.ready ? { ...outcome.ready, type: undefined } : null,
    testResults: outcome.results,
  };
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
