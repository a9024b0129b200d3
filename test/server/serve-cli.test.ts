/**
 * `webseek serve` as people run it: the workspace bin in a child process on a
 * tiny GGUF, port 0, the `listening on URL` line on stdout, requests with
 * fetch, and SIGTERM ending a running stream cleanly and exiting 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventReader, joined, post, QUESTION, serverModelBytes } from './client.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'node_modules/.bin/webseek');

let dir: string;
let model: string;

beforeAll(() => {
  expect(existsSync(BIN), `${BIN} is missing: run npm install so the workspace bin is linked`).toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'webseek-serve-'));
  model = join(dir, 'tiny-serve.gguf');
  writeFileSync(model, serverModelBytes());
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(BIN, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

/** Starts `webseek serve`, resolves at its `listening on` line (rejects if it exits first). */
function serve(...args: string[]): Promise<Served> {
  const child = spawn(BIN, ['serve', '--model', model, '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d) => {
    stderr += d;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      const url = /^listening on (http:\/\/\S+)\n/m.exec(stdout)?.[1];
      if (url) resolve({ child, url, stderr: () => stderr, exit });
    });
    exit.then(({ code }) => reject(new Error(`webseek serve exited (${code}) before listening:\n${stderr}`)));
  });
}

describe('webseek serve', () => {
  it('prints its URL, answers, and on SIGTERM ends the running stream with [DONE] and exits 0', async () => {
    const server = await serve('--model-id', 'bin-tiny', '--host', '127.0.0.1');
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.stderr()).toMatch(/'bin-tiny' \(qwen2, .* MB of weights, context 512\) loaded in/);

      const response = await post(`${server.url}/v1/chat/completions`, {
        model: 'bin-tiny',
        messages: QUESTION,
        max_tokens: 4,
        temperature: 0,
        ignore_eos: true,
      });
      expect(response.status).toBe(200);
      const answer = await response.json();
      expect(answer).toMatchObject({ object: 'chat.completion', model: 'bin-tiny' });
      expect(answer.usage.completion_tokens).toBe(4);

      const reader = new EventReader(
        await post(`${server.url}/v1/chat/completions`, {
          messages: QUESTION,
          max_tokens: 400,
          temperature: 0,
          ignore_eos: true,
          stream: true,
        }),
      );
      await reader.next();
      server.child.kill('SIGTERM');
      expect(joined(await reader.rest()).finish).toBe('abort');
      const { code } = await server.exit;
      expect(code, server.stderr()).toBe(0);
      expect(server.stderr()).toMatch(/POST \/v1\/chat\/completions 200, finish length, 4 tokens/);
      expect(server.stderr()).toMatch(/SIGTERM: closing/);
      expect(server.stderr()).toMatch(/POST \/v1\/chat\/completions 200, streamed, finish abort/);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('refuses a missing --model (exit 2), a missing file and a port in use (exit 1, naming them)', async () => {
    const usage = await run('serve');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--model is required/);
    const missing = await run('serve', '--model', join(dir, 'nope.gguf'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--model .*nope\.gguf: cannot open \(no such file\)/);

    const first = await serve();
    try {
      const port = new URL(first.url).port;
      const second = await serve('--port', port).then(
        (s) => s.child.kill('SIGKILL'),
        (error: Error) => error.message,
      );
      expect(second).toMatch(/exited \(1\)/);
      expect(second).toMatch(new RegExp(`--port ${port}: cannot listen \\(the port is in use\\)`));
    } finally {
      first.child.kill('SIGINT');
      expect((await first.exit).code).toBe(0);
    }
  });
});
