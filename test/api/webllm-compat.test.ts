/**
 * The web-llm-compatible layer against web-llm's own TypeScript types (tsc
 * checks the assignments below: this file is in the tsconfig include), then
 * run in Node on a tiny synthetic model. web-llm itself is never called.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as webllm from '@mlc-ai/web-llm';
import { isRuntimeError } from '@webseek/api';
import { fsWeightCache } from '@webseek/loader/node';
import {
  type AppConfigLike,
  CreateMLCEngine,
  CreateWebWorkerMLCEngine,
  deleteModelAllInfoInCache,
  hasModelInCache,
  type InitProgressReport,
  MODEL_CATALOGUE,
  WebWorkerMLCEngineHandler,
} from '@webseek/worker/webllm';
import { afterAll, describe, expect, it } from 'vitest';
import { testContext } from '../support/gpu.ts';
import { tinyModelBytes } from './tiny.ts';

/** Every public member of T: web-llm's namespace classes have private fields (nominal); callers use their public shape. */
type Public<T> = { [K in keyof T]: T[K] };

/** web-llm's MLCEngineInterface, with chat / completions / embeddings taken by their public shape. */
type WebLlmEngine = Omit<webllm.MLCEngineInterface, 'chat' | 'completions' | 'embeddings'> & {
  chat: { completions: Public<webllm.Chat['completions']> };
  completions: Public<webllm.Completions>;
  embeddings: Public<webllm.Embeddings>;
};

// The factories and cache helpers, under web-llm's own signatures.
const createEngine: (id: string, config?: webllm.MLCEngineConfig) => Promise<WebLlmEngine> = CreateMLCEngine;
const createWorkerEngine: (worker: Worker, id: string, config?: webllm.MLCEngineConfig) => Promise<WebLlmEngine> =
  CreateWebWorkerMLCEngine;
const hasInCache: typeof webllm.hasModelInCache = hasModelInCache;
const deleteInCache: typeof webllm.deleteModelAllInfoInCache = deleteModelAllInfoInCache;
const handlerShape: Pick<webllm.WebWorkerMLCEngineHandler, 'onmessage'> = new WebWorkerMLCEngineHandler({
  endpoint: new MessageChannel().port1,
});
void [createEngine, createWorkerEngine, hasInCache, deleteInCache, handlerShape];

const BYTES = tinyModelBytes();
const APP_CONFIG: AppConfigLike = {
  model_list: [{ model_id: 'tiny', model: '', model_lib: '', source: BYTES, overrides: { context_window_size: 160 } }],
};

describe('web-llm compatibility', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webseek-webllm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs web-llm's calls, typed by web-llm, on webseek", async () => {
    const reports: InitProgressReport[] = [];
    const engine: WebLlmEngine = await CreateMLCEngine('tiny', {
      appConfig: APP_CONFIG,
      initProgressCallback: (r) => reports.push(r),
      engine: { context: await testContext() },
    });
    expect(reports.at(-1)).toMatchObject({ progress: 1, text: 'model ready' });

    const request: webllm.ChatCompletionRequestNonStreaming = {
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
      max_tokens: 8,
      temperature: 0,
      ignore_eos: true,
    };
    const reply: webllm.ChatCompletion = await engine.chat.completions.create(request);
    expect(reply.object).toBe('chat.completion');
    expect(reply.usage).toMatchObject({ completion_tokens: 8 });
    expect(reply.choices[0]!.finish_reason).toBe('length');

    await engine.resetChat();
    const streamed: webllm.ChatCompletionRequestStreaming = {
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    };
    const chunks: webllm.ChatCompletionChunk[] = [];
    for await (const chunk of await engine.chat.completions.create(streamed)) chunks.push(chunk);
    expect(chunks.at(-1)!.usage).toMatchObject({ completion_tokens: 8 });
    // The R1 template opens <think>: the text is reasoning, which web-llm's types do not name.
    const reasoning = chunks.map(
      (c) => (c.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '',
    );
    expect(reasoning.join('')).toBe((reply.choices[0]!.message as { reasoning_content?: string }).reasoning_content);

    const params: webllm.CompletionCreateParamsNonStreaming = {
      prompt: 'The fox',
      max_tokens: 4,
      temperature: 0,
      ignore_eos: true,
    };
    const completion: webllm.Completion = await engine.completions.create(params);
    expect(completion.choices[0]!.text).toBe(await engine.getMessage());
    expect(await engine.runtimeStatsText()).toMatch(/prefill: [\d.]+ tok\/s, decode: [\d.]+ tok\/s/);
    expect(await engine.getMaxStorageBufferBindingSize()).toBeGreaterThan(0);

    const pending = engine.chatCompletion({ ...request, max_tokens: 80 });
    setTimeout(() => engine.interruptGenerate(), 30);
    expect((await pending).choices[0]!.finish_reason).toBe('abort');

    const embeddings = await engine.embeddings.create({ input: 'x' }).catch((e) => e);
    expect(isRuntimeError(embeddings, 'INVALID_ARGUMENT')).toBe(true);

    await engine.unload();
    const unloaded = await engine.chat.completions.create(request).catch((e) => e);
    expect(isRuntimeError(unloaded, 'MODEL_NOT_LOADED')).toBe(true);
    await engine.reload('tiny', { context_window_size: 64 });
    const small = await engine.chat.completions.create({ ...request, max_tokens: 60 }).catch((e) => e);
    expect(isRuntimeError(small, 'CONTEXT_OVERFLOW')).toBe(true);
    await engine.unload();
  });

  it('resolves ids through the catalogue and appConfig, and finds them in the weight cache', async () => {
    expect(MODEL_CATALOGUE.length).toBeGreaterThan(0);
    expect(MODEL_CATALOGUE.every((m) => m.hfRepo.includes('/') && m.file.endsWith('.gguf'))).toBe(true);
    const path = join(dir, 'tiny.gguf');
    writeFileSync(path, BYTES);
    const cache = fsWeightCache({ dir });
    const appConfig: AppConfigLike = { model_list: [{ model_id: 'tiny-file', source: { path } }] };

    expect(await hasModelInCache('tiny-file', appConfig, cache)).toBe(false);
    const engine = await CreateMLCEngine('tiny-file', { appConfig, cache, engine: { context: await testContext() } });
    expect(await hasModelInCache('tiny-file', appConfig, cache)).toBe(true);
    const reply = await engine.chat.completions.create({ messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3 });
    expect(reply.usage.completion_tokens).toBeGreaterThan(0);
    await engine.unload();
    await deleteModelAllInfoInCache('tiny-file', appConfig, cache);
    expect(await hasModelInCache('tiny-file', appConfig, cache)).toBe(false);

    const unknown = await CreateMLCEngine('no-such-model', { appConfig }).catch((e) => e);
    expect(isRuntimeError(unknown, 'INVALID_ARGUMENT')).toBe(true);
    expect(unknown.message).toMatch(/known: tiny-file, DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M/);
    // An MLC-format record (a model library, no GGUF) is refused with the reason.
    const mlc = await CreateMLCEngine('mlc', {
      appConfig: {
        model_list: [{ model_id: 'mlc', model: 'https://huggingface.co/mlc-ai/x-MLC', model_lib: 'x.wasm' }],
      },
    }).catch((e) => e);
    expect(mlc.message).toMatch(/webseek runs GGUF/);
  });
});
