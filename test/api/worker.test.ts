/**
 * The engine behind comlink: first over a real MessageChannel in this thread
 * (every call and chunk is structured-cloned as between a page and a worker),
 * then in a node:worker_threads worker that is terminated mid-stream.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  type ChatCompletionChunk,
  type ChatCompletionMessageParam,
  isRuntimeError,
  type LoadProgress,
  RuntimeError,
} from '@webseek/api';
import type { GpuContext } from '@webseek/gpu';
import { createNodeGpuContext } from '@webseek/gpu/node';
import { createWorkerEngine, fromWireError, toWireError, type WorkerEngine } from '@webseek/worker';
import { WorkerEngineHost } from '@webseek/worker/host';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testContext } from '../support/gpu.ts';
import { tinyModelBytes } from './tiny.ts';

const QUESTION: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the capital of France?' }];
const LOAD = { modelId: 'tiny', contextLength: 128, prefillChunk: 16 };

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

const reasoningOf = (chunks: ChatCompletionChunk[]) =>
  chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? '').join('');

describe('errors on the wire', () => {
  it('keep class, code, details and message', () => {
    const error = new RuntimeError('GPU_OOM', 'weights need 9 GB', { details: { bytes: 9e9, tensor: 'blk.0' } });
    const back = fromWireError(structuredClone(toWireError(error))) as RuntimeError;
    expect(back).toBeInstanceOf(RuntimeError);
    expect(back).toMatchObject({
      code: 'GPU_OOM',
      message: 'weights need 9 GB',
      details: { bytes: 9e9, tensor: 'blk.0' },
    });
    const plain = fromWireError(structuredClone(toWireError(new TypeError('nope')))) as Error;
    expect(plain).toMatchObject({ name: 'TypeError', message: 'nope' });
  });
});

describe('over a MessageChannel', () => {
  let host: WorkerEngineHost;
  let client: WorkerEngine;
  const deviceLost: RuntimeError[] = [];
  const contexts: GpuContext[] = [];

  beforeAll(async () => {
    const { port1, port2 } = new MessageChannel();
    host = new WorkerEngineHost({
      createContext: async () => {
        const ctx = await createNodeGpuContext({ label: 'host' });
        contexts.push(ctx);
        return ctx;
      },
    }).listen(port1);
    client = await createWorkerEngine(
      { endpoint: port2, terminate: () => port2.close() },
      { onDeviceLost: (e) => deviceLost.push(e) },
    );
  });

  afterAll(async () => {
    await host?.engine.dispose();
  });

  it('refuses requests before a model is loaded, as a RuntimeError with its code', async () => {
    const err = await client.chat.completions.create({ messages: QUESTION }).catch((e) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.code).toBe('MODEL_NOT_LOADED');
  });

  it('loads with progress and answers whole and streamed alike', async () => {
    const progress: LoadProgress[] = [];
    const info = await client.reload(tinyModelBytes(), { ...LOAD, onProgress: (p) => progress.push(p) });
    expect(info).toMatchObject({ id: 'tiny', contextLength: 128 });
    // Progress calls are fire-and-forget messages: let the last ones land.
    await new Promise((r) => setTimeout(r, 20));
    expect(progress.at(-1)).toMatchObject({ phase: 'ready', fraction: 1 });

    const request = { messages: QUESTION, max_tokens: 12, temperature: 0, ignore_eos: true };
    await client.resetChat();
    const whole = await client.chat.completions.create(request);
    await client.resetChat();
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    }))
      chunks.push(chunk);
    expect(reasoningOf(chunks)).toBe(whole.choices[0]!.message.reasoning_content);
    expect(chunks.at(-1)!.usage).toMatchObject({ completion_tokens: 12 });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('length');
    // The same engine in-process gives the same answer.
    await host.engine.resetChat();
    const local = await host.engine.chat.completions.create(request);
    expect(local.choices[0]!.message).toEqual(whole.choices[0]!.message);

    const raw = await client.completions.create({ prompt: 'The fox', max_tokens: 5, temperature: 0, ignore_eos: true });
    expect(raw).toMatchObject({ object: 'text_completion', usage: { completion_tokens: 5 } });
  });

  it('keeps code and details of errors thrown in the worker', async () => {
    const err = await client.chat.completions.create({ messages: QUESTION, max_tokens: 500 }).catch((e) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(isRuntimeError(err, 'CONTEXT_OVERFLOW')).toBe(true);
    expect(err.details).toMatchObject({ maxTokens: 500, context: 128 });
    const bad = await client.completions.create({ prompt: 'x', stream: true, temperature: -1 }).catch((e) => e);
    expect(isRuntimeError(bad, 'INVALID_ARGUMENT')).toBe(true);
    expect(bad.details).toEqual({ field: 'temperature', value: -1 });
  });

  it('aborts through a signal and cancels a stream left early', async () => {
    const controller = new AbortController();
    const chunks: ChatCompletionChunk[] = [];
    for await (const c of await client.chat.completions.create(
      { messages: QUESTION, max_tokens: 100, temperature: 0, ignore_eos: true, stream: true },
      { signal: controller.signal },
    )) {
      chunks.push(c);
      if (chunks.length === 3) controller.abort();
    }
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('abort');
    expect(chunks.length).toBeLessThan(30);

    const stream = await client.chat.completions.create({
      messages: QUESTION,
      max_tokens: 100,
      temperature: 0,
      ignore_eos: true,
      stream: true,
    });
    for await (const _ of stream) break;
    const next = await client.chat.completions.create({ messages: QUESTION, max_tokens: 2 });
    expect(next.usage.extra.queue_time_s).toBeLessThan(1);

    const pending = client.chat.completions.create({
      messages: QUESTION,
      max_tokens: 100,
      temperature: 0,
      ignore_eos: true,
    });
    await new Promise((r) => setTimeout(r, 30));
    client.interruptGenerate();
    expect((await pending).choices[0]!.finish_reason).toBe('abort');
  });

  it('reports a lost GPU device as DEVICE_LOST, then reloads on a new device', async () => {
    const stream = await client.chat.completions.create({
      messages: QUESTION,
      max_tokens: 100,
      temperature: 0,
      ignore_eos: true,
      stream: true,
    });
    const failure = (async () => {
      let n = 0;
      for await (const _ of stream) if (++n === 3) contexts.at(-1)!.device.destroy();
    })().catch((e) => e);
    const err = await failure;
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.code).toBe('DEVICE_LOST');
    await new Promise((r) => setTimeout(r, 20));
    expect(deviceLost.map((e) => e.code)).toEqual(['DEVICE_LOST']);
    const refused = await client.chat.completions.create({ messages: QUESTION }).catch((e) => e);
    expect(refused.code).toBe('DEVICE_LOST');

    await client.reload(tinyModelBytes(), LOAD);
    expect(contexts.length).toBe(2);
    const again = await client.chat.completions.create({ messages: QUESTION, max_tokens: 3 });
    expect(again.usage.completion_tokens).toBeGreaterThan(0);
  });
});

describe('in a worker thread', () => {
  const script = new URL('./engine-worker.ts', import.meta.url);
  const register = fileURLToPath(new URL('../../scripts/register-ts.mjs', import.meta.url));

  // Vulkan reads its driver choice from the process environment, which only the main thread can set:
  // opening a device here first makes createNodeGpuContext pick the driver for the worker threads too.
  beforeAll(async () => {
    await testContext();
  });

  function startWorker(): { worker: Worker; handle: Parameters<typeof createWorkerEngine>[0] } {
    const worker = new Worker(script, { execArgv: ['--import', register] });
    return {
      worker,
      handle: {
        endpoint: nodeEndpoint(worker),
        terminate: () => void worker.terminate(),
        onExit: (gone) => worker.once('exit', (code) => gone(`exited with code ${code}`)),
      },
    };
  }

  it('answers, reports WORKER_LOST when the thread dies under a pending call, and a new worker takes over', async () => {
    // A server that accepts and never answers: a load from it stays pending in the worker.
    const server = createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const first = startWorker();
    const lost: RuntimeError[] = [];
    const client = await createWorkerEngine(first.handle, { onWorkerLost: (e) => lost.push(e) });
    await client.reload(tinyModelBytes(), LOAD);
    const whole = await client.chat.completions.create({
      messages: QUESTION,
      max_tokens: 6,
      temperature: 0,
      ignore_eos: true,
    });
    expect(whole.usage.completion_tokens).toBe(6);

    const pending = client.reload(`http://127.0.0.1:${port}/model.gguf`, LOAD).catch((e) => e);
    await new Promise((r) => setTimeout(r, 200));
    // The thread dies under the client, as a crash would: only its exit event tells.
    // (Dawn in Node aborts the process if a thread dies during a GPU readback, so it dies while fetching.)
    await first.worker.terminate();
    const err = await pending;
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.code).toBe('WORKER_LOST');
    expect(err.message).toMatch(/exited with code 1/);
    expect(lost).toHaveLength(1);
    const after = await client.chat.completions.create({ messages: QUESTION }).catch((e) => e);
    expect(isRuntimeError(after, 'WORKER_LOST')).toBe(true);
    server.closeAllConnections();
    server.close();

    const second = startWorker();
    const fresh = await createWorkerEngine(second.handle);
    await fresh.reload(tinyModelBytes(), LOAD);
    const chunks = await collect(
      await fresh.chat.completions.create({
        messages: QUESTION,
        max_tokens: 6,
        temperature: 0,
        ignore_eos: true,
        stream: true,
      }),
    );
    expect(reasoningOf(chunks)).toBe(whole.choices[0]!.message.reasoning_content);
    await fresh.unload();
    fresh.terminate();
    expect(isRuntimeError(await fresh.lost, 'WORKER_LOST')).toBe(true);
  });
});
