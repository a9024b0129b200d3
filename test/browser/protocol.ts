/**
 * Messages of the browser smoke run: worker → page (postMessage) → Node
 * (a function the harness exposes on the page). Plain data, so they survive
 * both structured clone and Playwright's serialization unchanged.
 */
import type { AdapterDescription } from '@webseek/gpu';

/** Page → worker: start; `grep` keeps the cases whose name contains it. */
export interface StartMessage {
  type: 'start';
  grep: string;
}

export interface CaseResult {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  /** Largest |gpu - cpu| over the output (absent when skipped or the case threw). */
  maxAbsError?: number;
  /** Wall time of the case in the worker: prepare, upload, run, read back. */
  ms: number;
  /** Of which submitting the dispatches and waiting for the GPU (the rest is mostly pipeline compiles). */
  runMs?: number;
  /** Why it failed or was skipped. */
  message?: string;
}

export type SmokeEvent =
  | {
      type: 'ready';
      /** The worker's global scope class, e.g. 'DedicatedWorkerGlobalScope'. */
      scope: string;
      /** Browser and version, e.g. 'HeadlessChrome 156.0.8078.79'. */
      browser: string;
      adapter: AdapterDescription;
      subgroups: boolean;
      shaderF16: boolean;
      subgroupSizes: [number, number];
      cases: number;
    }
  | { type: 'case'; result: CaseResult }
  | { type: 'done'; ms: number }
  /** Anything that stops the run: no adapter, a worker that failed to load, a crash. */
  | { type: 'fatal'; message: string; code?: string };

/** Name of the function the harness exposes on the page (`page.exposeFunction`). */
export const REPORT_FUNCTION = '__webseekSmokeEvent';
