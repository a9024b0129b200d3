/**
 * The OpenAI-compatible HTTP server in process (port 0), over the real Engine
 * on Dawn with a tiny synthetic model: answers whole and streamed, the list
 * and health endpoints, every malformed request refused with its status and
 * code, disconnects aborting generations, concurrent requests queued, the API
 * key, CORS, and a graceful close.
 */
import { RuntimeError } from '@webseek/api';
import { Engine } from '@webseek/engine';
import { ApiServer, type RequestLog } from '@webseek/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testContext } from '../support/gpu.ts';
import {
  chunksOf,
  EventReader,
  eventually,
  expectError,
  joined,
  post,
  QUESTION,
  serverModelBytes,
  streamEvents,
} from './client.ts';

const MODEL_ID = 'tiny-server';
const CONTEXT = 256;
const BODY_LIMIT = 4096;

let engine: Engine;
let api: ApiServer;
let url: string;
const logs: RequestLog[] = [];

beforeAll(async () => {
  engine = new Engine({ context: await testContext() });
  await engine.reload(serverModelBytes(), { modelId: MODEL_ID, contextLength: CONTEXT, prefillChunk: 16 });
  api = new ApiServer({ engine, maxBodyBytes: BODY_LIMIT, log: (e) => logs.push(e) });
  url = await api.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await api?.close();
  await engine?.dispose();
});

const chat = (body: Record<string, unknown>, headers?: Record<string, string>, signal?: AbortSignal) =>
  post(`${url}/v1/chat/completions`, body, headers, signal);
const complete = (body: Record<string, unknown>) => post(`${url}/v1/completions`, body);

const GREEDY = { messages: QUESTION, max_tokens: 12, temperature: 0, ignore_eos: true, model: MODEL_ID };

describe('answers', () => {
  it('a whole chat answer is the engine’s own, in OpenAI’s shape', async () => {
    const response = await chat(GREEDY);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await response.json();
    expect(body).toMatchObject({ object: 'chat.completion', model: MODEL_ID });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.choices[0].finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBe(12);
    const direct = await engine.chat.completions.create({ ...GREEDY, model: MODEL_ID });
    expect(body.choices[0].message).toEqual(direct.choices[0]!.message);
    // The R1 template opens <think>: the tiny model never closes it, so all of it is reasoning.
    expect(body.choices[0].message.reasoning_content.length).toBeGreaterThan(0);
  });

  it('streamed deltas add up to the whole answer; the usage chunk only when asked for', async () => {
    const whole = await (await chat(GREEDY)).json();
    const events = await streamEvents(await chat({ ...GREEDY, stream: true }));
    const chunks = chunksOf(events);
    expect(chunks[0]!.choices[0]!.delta!.role).toBe('assistant');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.usage === undefined)).toBe(true);
    const streamed = joined(events);
    expect(streamed.reasoning).toBe(whole.choices[0].message.reasoning_content);
    expect(streamed.content).toBe(whole.choices[0].message.content);
    expect(streamed.finish).toBe('length');

    const withUsage = chunksOf(
      await streamEvents(await chat({ ...GREEDY, stream: true, stream_options: { include_usage: true } })),
    );
    const last = withUsage.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ completion_tokens: 12, prompt_tokens: whole.usage.prompt_tokens });
  });

  it('raw completions, whole and streamed, give the same text', async () => {
    const request = { prompt: 'Once upon a time', max_tokens: 10, temperature: 0, ignore_eos: true };
    const whole = await (await complete(request)).json();
    expect(whole).toMatchObject({ object: 'text_completion', model: MODEL_ID });
    expect(whole.choices[0]).toMatchObject({ index: 0, finish_reason: 'length' });
    expect(whole.usage.completion_tokens).toBe(10);
    const streamed = joined(await streamEvents(await complete({ ...request, stream: true })));
    expect(streamed.text).toBe(whole.choices[0].text);
    expect(streamed.finish).toBe('length');
  });

  it('max_completion_tokens (newer OpenAI clients) counts as max_tokens', async () => {
    const { max_tokens: _, ...rest } = GREEDY;
    const body = await (await chat({ ...rest, max_completion_tokens: 3 })).json();
    expect(body.usage.completion_tokens).toBe(3);
  });

  it('GET /v1/models lists the served model; /health says ok', async () => {
    const models = await (await fetch(`${url}/v1/models`)).json();
    expect(models).toEqual({
      object: 'list',
      data: [
        {
          id: MODEL_ID,
          object: 'model',
          created: expect.any(Number),
          owned_by: 'webseek',
          context_length: CONTEXT,
        },
      ],
    });
    const health = await fetch(`${url}/health?probe=1`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', model: MODEL_ID });
  });
});

describe('malformed requests get OpenAI-shaped errors and never bring the server down', () => {
  const raw = (path: string, init: RequestInit) => fetch(`${url}${path}`, init);
  const json = { 'content-type': 'application/json' };

  it('invalid JSON: 400 saying where parsing failed', async () => {
    const error = await expectError(
      await raw('/v1/chat/completions', { method: 'POST', headers: json, body: '{"messages": [\n  {"role": }]}' }),
      400,
      'invalid_json',
    );
    expect(error.message).toMatch(/at line 2, column 12/);
    await expectError(await raw('/v1/completions', { method: 'POST', headers: json, body: '' }), 400, 'invalid_json');
    const notObject = await expectError(
      await raw('/v1/completions', { method: 'POST', headers: json, body: '[1, 2]' }),
      400,
      'invalid_json',
    );
    expect(notObject.message).toMatch(/must be a JSON object, got an array/);
    const bytes = new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]); // {"\xff":1}
    const utf8 = await expectError(
      await raw('/v1/completions', { method: 'POST', headers: json, body: bytes }),
      400,
      'invalid_json',
    );
    expect(utf8.message).toMatch(/UTF-8/);
  });

  it('a body that is not JSON by its Content-Type: 415', async () => {
    const body = JSON.stringify({ prompt: 'x' });
    const form = await expectError(
      await raw('/v1/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
      415,
      'unsupported_media_type',
    );
    expect(form.message).toMatch(/application\/x-www-form-urlencoded/);
    // A Uint8Array body: fetch sends no Content-Type at all.
    await expectError(
      await raw('/v1/completions', { method: 'POST', body: new TextEncoder().encode(body) }),
      415,
      'unsupported_media_type',
    );
    const latin1 = { 'content-type': 'application/json; charset=latin1' };
    await expectError(
      await raw('/v1/completions', { method: 'POST', headers: latin1, body }),
      415,
      'unsupported_media_type',
    );
  });

  it('a body over the limit: 413, by Content-Length and by counting a chunked body', async () => {
    const big = JSON.stringify({ prompt: 'x'.repeat(BODY_LIMIT) });
    const declared = await expectError(
      await raw('/v1/completions', { method: 'POST', headers: json, body: big }),
      413,
      'request_too_large',
    );
    expect(declared.message).toMatch(new RegExp(`limit of ${BODY_LIMIT} bytes`));
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode(big.slice(i * 2000, (i + 1) * 2000)));
        controller.close();
      },
    });
    await expectError(
      await raw('/v1/completions', { method: 'POST', headers: json, body: chunked, duplex: 'half' } as RequestInit),
      413,
      'request_too_large',
    );
  });

  it('wrong method: 405 with Allow; unknown path: 404', async () => {
    const get = await raw('/v1/chat/completions', { method: 'GET' });
    expect(get.headers.get('allow')).toBe('POST');
    await expectError(get, 405, 'method_not_allowed');
    const del = await raw('/v1/models', { method: 'DELETE' });
    expect(del.headers.get('allow')).toBe('GET, HEAD');
    await expectError(del, 405, 'method_not_allowed');
    const missing = await expectError(await raw('/v1/embeddings', { method: 'POST' }), 404, 'not_found');
    expect(missing.message).toMatch(/POST \/v1\/embeddings/);
  });

  it('bad fields: 400 naming the parameter (the engine’s own checks, and the server’s)', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...GREEDY, temperature: 5 }, 'temperature', /temperature must be a number in \[0, 2\], got 5/],
      [{ ...GREEDY, max_tokens: 0 }, 'max_tokens', /max_tokens must be an integer/],
      [{ ...GREEDY, top_p: 'high' }, 'top_p', /top_p/],
      [{ ...GREEDY, stop: [1, 2] }, 'stop', /stop must be a string or an array of strings/],
      [{ ...GREEDY, logit_bias: { 5: 1 } }, 'logit_bias', /'logit_bias' is not supported/],
      [{ ...GREEDY, n: 2 }, 'n', /n must be 1/],
      [{ ...GREEDY, messages: [] }, 'messages', /messages must be a non-empty array/],
      [{ ...GREEDY, messages: [{ content: 'no role' }] }, 'messages', /messages\[0\]/],
      [{ ...GREEDY, stream: 'yes' }, 'stream', /stream must be true or false, got "yes"/],
      [{ ...GREEDY, stream_options: 'usage' }, 'stream_options', /stream_options must be an object/],
      [{ ...GREEDY, stream_options: { include_usage: 1 } }, 'stream_options.include_usage', /include_usage/],
      [{ ...GREEDY, model: 7 }, 'model', /model must be a string/],
      // A stream refused before its first event gets a status, not an event stream.
      [{ ...GREEDY, stream: true, top_k: -1 }, 'top_k', /top_k must be an integer/],
    ];
    for (const [body, param, message] of cases) {
      const error = await expectError(await chat(body), 400, 'invalid_argument', param);
      expect(error.message).toMatch(message);
    }
    const prompt = await expectError(await complete({ prompt: 42 }), 400, 'invalid_argument', 'prompt');
    expect(prompt.message).toMatch(/prompt must be a string/);
  });

  it('a prompt and max_tokens that cannot fit: 400 context_length_exceeded', async () => {
    const error = await expectError(await chat({ ...GREEDY, max_tokens: CONTEXT }), 400, 'context_length_exceeded');
    expect(error.message).toMatch(/context holds 256/);
  });

  it('another model: 404 model_not_found', async () => {
    const error = await expectError(await chat({ ...GREEDY, model: 'gpt-4o' }), 404, 'model_not_found', 'model');
    expect(error.message).toMatch(/'gpt-4o' does not exist; this server serves 'tiny-server'/);
  });

  it('still answers after all of that', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const logged = logs.filter((e) => e.status >= 400);
    expect(logged.length).toBeGreaterThan(20);
    expect(logged.every((e) => e.status < 500)).toBe(true);
  });
});

describe('server-side failures', () => {
  it('no model loaded: 503 model_not_loaded, and /health says unavailable', async () => {
    const empty = new Engine({ context: await testContext() });
    const server = new ApiServer({ engine: empty });
    const base = await server.listen(0, '127.0.0.1');
    try {
      await expectError(await post(`${base}/v1/chat/completions`, GREEDY), 503, 'model_not_loaded');
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: 'unavailable', model: null });
      expect(await (await fetch(`${base}/v1/models`)).json()).toEqual({ object: 'list', data: [] });
    } finally {
      await server.close();
    }
  });

  it('an unexpected error: 500 internal_error with no internals; the log gets the error', async () => {
    const serverLogs: RequestLog[] = [];
    const broken = {
      info: () => engine.info(),
      completions: engine.completions,
      chat: {
        completions: {
          create: async () => {
            throw new TypeError('secret detail at /srv/internal.ts:42');
          },
        },
      },
    } as unknown as Engine;
    const server = new ApiServer({ engine: broken, log: (e) => serverLogs.push(e) });
    const base = await server.listen(0, '127.0.0.1');
    try {
      const error = await expectError(await post(`${base}/v1/chat/completions`, GREEDY), 500, 'internal_error');
      expect(error.message).not.toMatch(/secret|internal\.ts|TypeError/);
      const entry = await eventually(() => serverLogs[0], 'the log entry');
      expect(entry.status).toBe(500);
      expect((entry.error as Error).message).toMatch(/secret detail/);
    } finally {
      await server.close();
    }
  });

  it('a failure mid-stream: the status went out already, so the last event is the error (and no [DONE])', async () => {
    const failing = {
      info: () => engine.info(),
      chat: engine.chat,
      completions: {
        create: async () =>
          (async function* () {
            yield { id: 'cmpl-1', object: 'text_completion', choices: [{ index: 0, text: 'a', finish_reason: null }] };
            throw new RuntimeError('DEVICE_LOST', 'the GPU device was lost; reload() the model on a new one');
          })(),
      },
    } as unknown as Engine;
    const server = new ApiServer({ engine: failing });
    const base = await server.listen(0, '127.0.0.1');
    try {
      const reader = new EventReader(await post(`${base}/v1/completions`, { prompt: 'x', stream: true }));
      expect(await reader.next()).toMatchObject({ choices: [{ text: 'a' }] });
      expect(await reader.next()).toEqual({
        error: {
          message: 'the GPU device was lost; reload() the model on a new one',
          type: 'server_error',
          param: null,
          code: 'device_lost',
        },
      });
      expect(await reader.next()).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

describe('disconnects abort their generation', () => {
  const LONG = { messages: QUESTION, max_tokens: 200, temperature: 0, ignore_eos: true };

  it('a client that leaves mid-stream stops it at the next token; the request queued behind runs at once', async () => {
    const controller = new AbortController();
    const reader = new EventReader(await chat({ ...LONG, stream: true }, {}, controller.signal));
    for (let i = 0; i < 3; i++) await reader.next();
    const queued = chat({ ...GREEDY, max_tokens: 4 });
    const before = logs.length;
    controller.abort();
    const next = await (await queued).json();
    expect(next.choices[0].finish_reason).toBe('length');
    expect(next.usage.completion_tokens).toBe(4);
    const gone = await eventually(
      () => logs.slice(before).find((e) => e.stream && e.clientGone),
      'the aborted stream in the log',
    );
    // The engine ended the stream itself, with its own finish_reason: it saw the abort.
    expect(gone.finishReason).toBe('abort');
    expect(gone.completionTokens).toBeGreaterThanOrEqual(2);
    expect(gone.completionTokens).toBeLessThan(50);
    console.log(
      `aborted stream: ${gone.completionTokens} of 200 tokens; the next request waited ${next.usage.extra.queue_time_s.toFixed(2)} s`,
    );
  });

  it('a client that leaves a whole (non-streamed) request aborts it too', async () => {
    const controller = new AbortController();
    const before = logs.length;
    const pending = chat(LONG, {}, controller.signal).catch((e: Error) => e);
    // Wait until the generation is running (its prompt is being fed) before hanging up.
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    const gone = await eventually(() => logs.slice(before).find((e) => e.clientGone), 'the aborted request in the log');
    expect(gone.stream).toBe(false);
    expect(gone.finishReason).toBe('abort');
    expect(gone.completionTokens).toBeLessThan(200);
    const after = await (await chat({ ...GREEDY, max_tokens: 2 })).json();
    expect(after.usage.completion_tokens).toBe(2);
  });
});

describe('concurrent requests', () => {
  it('queue, and each gets the answer it gets alone', async () => {
    const a = { ...GREEDY, max_tokens: 10 };
    const b = { prompt: 'Two plus two is', max_tokens: 8, temperature: 0.8, seed: 7, ignore_eos: true };
    const aloneA = await (await chat(a)).json();
    const aloneB = await (await complete(b)).json();
    const [bothA, bothB] = await Promise.all([
      chat({ ...a, stream: true, stream_options: { include_usage: true } }).then(streamEvents),
      complete(b).then((r) => r.json()),
    ]);
    expect(joined(bothA).reasoning).toBe(aloneA.choices[0].message.reasoning_content);
    expect(joined(bothA).content).toBe(aloneA.choices[0].message.content);
    expect(bothB.choices[0].text).toBe(aloneB.choices[0].text);
    // They did not interleave: the second waited for (most of) the first, which takes well over 20 ms.
    const waits = [chunksOf(bothA).at(-1)!.usage!.extra.queue_time_s, bothB.usage.extra.queue_time_s];
    expect(Math.max(...waits)).toBeGreaterThan(0.02);
  });
});

describe('access', () => {
  it('with an API key, /v1/* needs `Authorization: Bearer KEY` (401 otherwise); /health does not', async () => {
    const server = new ApiServer({ engine, apiKey: 'sk-test-123' });
    const base = await server.listen(0, '127.0.0.1');
    try {
      const missing = await fetch(`${base}/v1/models`);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      expect((await expectError(missing, 401, 'invalid_api_key')).message).toMatch(/missing API key/);
      const wrong = await post(`${base}/v1/chat/completions`, GREEDY, { authorization: 'Bearer sk-test-124' });
      expect((await expectError(wrong, 401, 'invalid_api_key')).message).toMatch(/incorrect API key/);
      const right = await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer sk-test-123' } });
      expect(right.status).toBe(200);
      const answer = await post(
        `${base}/v1/chat/completions`,
        { ...GREEDY, max_tokens: 2 },
        {
          authorization: 'Bearer sk-test-123',
        },
      );
      expect((await answer.json()).usage.completion_tokens).toBe(2);
      expect((await fetch(`${base}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('with --cors, preflights are answered and responses carry the origin', async () => {
    const server = new ApiServer({ engine, cors: 'https://app.example', apiKey: 'k' });
    const base = await server.listen(0, '127.0.0.1');
    try {
      const preflight = await fetch(`${base}/v1/chat/completions`, { method: 'OPTIONS' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(preflight.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      const denied = await fetch(`${base}/v1/models`);
      expect(denied.headers.get('access-control-allow-origin')).toBe('https://app.example');
      await expectError(denied, 401, 'invalid_api_key');
      // Without --cors, OPTIONS is just another method.
      await expectError(await fetch(`${url}/v1/models`, { method: 'OPTIONS' }), 405, 'method_not_allowed');
    } finally {
      await server.close();
    }
  });
});

describe('closing', () => {
  it('ends running streams with finish_reason abort and [DONE], then refuses connections', async () => {
    const server = new ApiServer({ engine });
    const base = await server.listen(0, '127.0.0.1');
    const reader = new EventReader(
      await post(`${base}/v1/chat/completions`, { ...GREEDY, max_tokens: 200, stream: true }),
    );
    await reader.next();
    const closed = server.close();
    const rest = await reader.rest();
    expect(joined(rest).finish).toBe('abort');
    await closed;
    const refused = await fetch(`${base}/health`).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    // The engine is not the server's to close: the main server still answers.
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
