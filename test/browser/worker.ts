/**
 * The smoke run itself, inside a dedicated module Worker (where the engine
 * will live in the app): open WebGPU with the same code the app uses, run every
 * case, post one message per case. The page only relays messages to Node.
 */
import { isRuntimeError } from '@webseek/api';
import { createBrowserGpuContext, type GpuContext } from '@webseek/gpu';
import { CASES, type SmokeCase } from './cases.ts';
import { judge } from './judge.ts';
import type { CaseResult, SmokeEvent, StartMessage } from './protocol.ts';
import { Scratch } from './scratch.ts';

/** The parts of DedicatedWorkerGlobalScope used here (tsconfig has the DOM lib, not WebWorker). */
interface WorkerScope {
  postMessage(message: SmokeEvent): void;
  onmessage: ((event: MessageEvent<StartMessage>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
const post = (event: SmokeEvent) => scope.postMessage(event);

scope.onmessage = (event) => {
  run(event.data).catch((error: unknown) => post(fatal(error)));
};

async function run(start: StartMessage): Promise<void> {
  const began = performance.now();
  const scopeName = assertDedicatedWorker();
  const ctx = await createBrowserGpuContext({ label: 'browser-smoke' });
  try {
    const cases = CASES.filter((c) => c.name.includes(start.grep));
    post({
      type: 'ready',
      scope: scopeName,
      browser: await browserVersion(),
      adapter: ctx.adapterInfo,
      subgroups: ctx.caps.subgroups,
      shaderF16: ctx.caps.shaderF16,
      subgroupSizes: [ctx.caps.subgroupMinSize, ctx.caps.subgroupMaxSize],
      cases: cases.length,
    });
    for (const c of cases) post({ type: 'case', result: await runCase(ctx, c) });
  } finally {
    ctx.dispose();
  }
  post({ type: 'done', ms: performance.now() - began });
}

/** 'HeadlessChrome 156.0.8078.79' where User-Agent Client Hints exist (the UA string hides the minor version). */
async function browserVersion(): Promise<string> {
  type Brand = { brand: string; version: string };
  const data = (
    navigator as { userAgentData?: { getHighEntropyValues(hints: string[]): Promise<{ fullVersionList?: Brand[] }> } }
  ).userAgentData;
  const brands = (await data?.getHighEntropyValues(['fullVersionList']).catch(() => undefined))?.fullVersionList ?? [];
  const chrome = brands.find((b) => /chrom/i.test(b.brand));
  return chrome ? `${chrome.brand} ${chrome.version}` : navigator.userAgent;
}

/** Proves the kernels ran off the main thread: fails the run unless this is a dedicated worker. */
function assertDedicatedWorker(): string {
  const ctor = (globalThis as { DedicatedWorkerGlobalScope?: abstract new () => unknown }).DedicatedWorkerGlobalScope;
  if (!ctor || !(self instanceof ctor) || 'document' in self) {
    throw new Error(`not in a dedicated worker: global scope is ${globalThis.constructor.name}`);
  }
  return globalThis.constructor.name;
}

async function runCase(ctx: GpuContext, c: SmokeCase): Promise<CaseResult> {
  const began = performance.now();
  const ms = () => performance.now() - began;
  if (c.needs === 'subgroups' && !ctx.caps.subgroups) return skipped(c, 'device has no subgroups');
  if (c.needs === 'shaderF16' && !ctx.caps.shaderF16) return skipped(c, 'device has no shader-f16');
  const s = new Scratch(ctx);
  try {
    const { maxAbsError, failure } = judge(await c.run(s), c.bound);
    const status = failure ? 'failed' : 'passed';
    const timing = { ms: ms(), runMs: s.runMs };
    return { name: c.name, status, maxAbsError, ...timing, ...(failure ? { message: failure } : {}) };
  } catch (error) {
    return { name: c.name, status: 'failed', ms: ms(), message: describe(error) };
  } finally {
    s.dispose();
  }
}

function skipped(c: SmokeCase, message: string): CaseResult {
  return { name: c.name, status: 'skipped', ms: 0, message };
}

function describe(error: unknown): string {
  if (isRuntimeError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function fatal(error: unknown): SmokeEvent {
  const code = isRuntimeError(error) ? error.code : undefined;
  return { type: 'fatal', message: describe(error), ...(code ? { code } : {}) };
}
