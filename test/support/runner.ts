/**
 * What the headless-Chromium runners (e2e, loader, widget, apps) share: one
 * line per case, and the vitest-shaped counts scripts/summarize-tests.mjs
 * adds up.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

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
