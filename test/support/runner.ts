/**
 * What the headless-Chromium runners (e2e, loader, widget, apps) share: one
 * line per case, and the vitest-shaped counts scripts/summarize-tests.mjs
 * adds up.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface CaseResult {
  name: string;
  status: 'passed' | 'failed';
  ms: number;
  message?: string;
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export function printCase(r: CaseResult): void {
  const mark = r.status === 'passed' ? 'PASS' : 'FAIL';
  console.log(`  ${mark} ${r.ms.toFixed(0).padStart(6)} ms  ${r.name}${r.message ? `\n       ${r.message}` : ''}`);
}

/** Writes the counts of `cases` (run since `startTime`) to `path`; no case at all counts as a failure. */
export function writeReport(path: string, cases: CaseResult[], startTime: number): void {
  const numFailedTests = cases.filter((r) => r.status === 'failed').length;
  const report = {
    numTotalTests: cases.length,
    numPassedTests: cases.length - numFailedTests,
    numFailedTests,
    numPendingTests: 0,
    numTodoTests: 0,
    success: numFailedTests === 0 && cases.length > 0,
    startTime,
    durationMs: Date.now() - startTime,
    testResults: cases,
  };
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

/** --report FILE and --timeout-s N (default `defaultTimeoutS`), the flags every runner takes. */
export function runnerArgs(defaultTimeoutS: number): { report: string | undefined; timeoutMs: number } {
  const { values } = parseArgs({
    options: { report: { type: 'string' }, 'timeout-s': { type: 'string', default: String(defaultTimeoutS) } },
  });
  return { report: values.report, timeoutMs: Number(values['timeout-s']) * 1000 };
}

/** Exits the process 30 s after `timeoutMs` if cleanup hangs (a browser that will not close). */
export function exitIfHung(name: string, timeoutMs: number): void {
  setTimeout(() => {
    console.error(`${name}: cleanup hung after the deadline; exiting`);
    process.exit(1);
  }, timeoutMs + 30_000).unref();
}

/**
 * Runs `work` against a deadline; a throw or the deadline becomes one failed
 * '<name> harness' case (the caller's finally still cleans up).
 */
export async function withDeadline(
  name: string,
  work: Promise<void>,
  timeoutMs: number,
  results: CaseResult[],
  began: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([work, deadline]);
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
    results.push({ name: `${name} harness`, status: 'failed', ms: Date.now() - began, message });
    printCase(results.at(-1)!);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one case, timed; records and prints its result; true when it passed. */
export async function runCase(name: string, body: () => Promise<void>, results: CaseResult[]): Promise<boolean> {
  const t = Date.now();
  let result: CaseResult;
  try {
    await body();
    result = { name, status: 'passed', ms: Date.now() - t };
  } catch (error) {
    result = { name, status: 'failed', ms: Date.now() - t, message: (error as Error).message.split('\n')[0] };
  }
  results.push(result);
  printCase(result);
  return result.status === 'passed';
}

/** Prints '<name>: N passed, N failed in S s', writes the report, exits (non-zero on a failure or no case). */
export function finishRunner(name: string, results: CaseResult[], began: number, report: string | undefined): never {
  const failed = results.filter((r) => r.status === 'failed').length;
  console.log(
    `${name}: ${results.length - failed} passed, ${failed} failed in ${((Date.now() - began) / 1000).toFixed(1)} s`,
  );
  if (report) writeReport(report, results, began);
  process.exit(failed > 0 || results.length === 0 ? 1 : 0);
}
