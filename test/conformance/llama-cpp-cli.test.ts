/**
 * The shipped path end to end against llama.cpp: `webseek generate` (the
 * workspace bin in a child process: its own Dawn device, default f16 KV cache,
 * default prefill chunk) teacher-forced on llama.cpp's greedy continuation,
 * its `--logits 5` output checked against llama.cpp on the F32 twin (f32 KV)
 * with the f16-KV twin bound of llama-cpp.test.ts: each printed logit within
 * TWIN16_BOUND·σ of llama.cpp's for that id, the same top-1 where llama.cpp's
 * margin exceeds the bound, the same top-5 set where its 5th/6th gap does.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SyntheticSpec } from '@webseek/formats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  disposeLlamaCpp,
  LlamaCppModel,
  promptIds,
  rowStd,
  TWIN16_BOUND,
  topIds,
  writeModelFiles,
} from '../support/llama-cpp.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'node_modules/.bin/webseek');

// llama with a q4_k_m mix (q6_k attn_v / ffn_down in the last layer, q6_k output), untied.
const SPEC: SyntheticSpec = {
  arch: 'llama',
  type: 'q4_k_m',
  seed: 41,
  vocabulary: 'tiny',
  shape: {
    nEmbd: 256,
    nFf: 768,
    nLayer: 2,
    nHead: 4,
    nKvHead: 2,
    vocab: 451,
    ctxTrain: 512,
    ropeTheta: 500000,
    eps: 1e-5,
    qkvBias: false,
    tiedOutput: false,
  },
};
const PROMPT = promptIds(20, 451, 777);
const STEPS = 32;

let dir: string;

beforeAll(() => {
  expect(existsSync(BIN), `${BIN} is missing: run npm install so the workspace bin is linked`).toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'webseek-llama-cpp-cli-'));
});

afterAll(async () => {
  await disposeLlamaCpp();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function webseek(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(BIN, args, { cwd: ROOT, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`webseek ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

it('webseek generate --force-ids --logits 5 --json agrees with llama.cpp on the F32 twin', async () => {
  const files = writeModelFiles(dir, 'cli-llama-q4_k_m', SPEC);
  const twin = await LlamaCppModel.load(files.twinPath, { contextSize: 64, kvCache: 'f32' });
  const theirs = await twin.greedy(PROMPT, STEPS).finally(() => twin.dispose());

  const run = await webseek([
    'generate',
    '--model',
    files.path,
    '--prompt-ids',
    PROMPT.join(','),
    '--force-ids',
    theirs.ids.join(','),
    '--logits',
    '5',
    '--json',
  ]);
  const out = JSON.parse(run.stdout) as { ids: number[]; top: [number, number][][] };
  expect(out.ids).toEqual(theirs.ids);
  expect(out.top).toHaveLength(STEPS);

  const failures: string[] = [];
  let worst = 0;
  out.top.forEach((top, j) => {
    const row = theirs.logits.rows[j]!;
    const bound = TWIN16_BOUND * rowStd(row);
    const t6 = topIds(row, 6);
    const at = `position ${PROMPT.length - 1 + j}`;
    for (const [id, logit] of top) {
      const d = Math.abs(logit - row[id]!);
      worst = Math.max(worst, d / rowStd(row));
      if (!(d <= bound))
        failures.push(`${at}: id ${id} logit ${logit} vs llama.cpp ${row[id]} (bound ${bound.toFixed(5)})`);
    }
    const margin = row[t6[0]!]! - row[t6[1]!]!;
    if (top[0]![0] !== t6[0] && margin > bound)
      failures.push(`${at}: top-1 ${top[0]![0]} vs ${t6[0]} at margin ${margin}`);
    const gap5 = row[t6[4]!]! - row[t6[5]!]!;
    const same5 = top.every(([id]) => t6.slice(0, 5).includes(id));
    if (!same5 && gap5 > bound)
      failures.push(`${at}: top-5 ${top.map(([id]) => id)} vs ${t6.slice(0, 5)} at gap ${gap5}`);
  });
  console.log(
    `webseek CLI vs llama.cpp F32 twin: ${STEPS} positions, max |Δlogit|/σ over the printed top-5 ${worst.toExponential(2)} (bound ${TWIN16_BOUND})`,
  );
  expect(failures, failures.slice(0, 10).join('\n')).toEqual([]);
});
