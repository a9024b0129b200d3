/**
 * The engine behind an OpenAI-shaped API: one model on one device, requests
 * queued and run one at a time (a Scheduler), reasoning split from answers,
 * stop strings, penalties, and the KV cache of a shared prompt prefix reused.
 *
 *   const engine = new Engine({ createContext: createNodeGpuContext });
 *   await engine.reload({ hfRepo, file }, { onProgress });
 *   for await (const chunk of await engine.chat.completions.create({ messages, stream: true })) …
 *
 * Stopping: `interruptGenerate()` or a request's AbortSignal ends generation
 * at the next token with finish_reason 'abort' and the text so far (never an
 * error). reload/unload/resetChat queue behind the requests made before them.
 */
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequestBase,
  type Completion,
  type CompletionRequestBase,
  type RequestOptions,
  RuntimeError,
} from '@webseek/api';
import { createBrowserGpuContext, type GpuContext } from '@webseek/gpu';
import { applyChatTemplate, type ChatMessage, promptOpensReasoning, type Tokenizer } from '@webseek/tokenizer';
import { loadModel } from '../model.ts';
import { type GenerationResult, type LoadedModel, type PreparedPrompt, runGeneration } from './generation.ts';
import { KvPrefix } from './prefix.ts';
import { LoadMeter } from './progress.ts';
import { ChunkQueue } from './queue.ts';
import { checkContext, checkMessages, type GenerationPlan, planGeneration } from './request.ts';
import {
  ChatText,
  chatChunk,
  chatCompletion,
  chatDelta,
  completion,
  responseHead,
  usageChunk,
  usageOf,
} from './responses.ts';
import { Scheduler } from './scheduler.ts';
import { closeSource, type EngineSource, openEngineSource, openUncached, type SourceOpener } from './source.ts';
import type { TextDelta } from './text.ts';
import type { ChatCompletionsApi, CompletionsApi, EngineApi, EngineInfo, ModelInfo, ReloadOptions } from './types.ts';

export interface EngineOptions {
  /** A device to run on; the engine never disposes it. */
  context?: GpuContext;
  /** Opens a device at the first load and again after a device loss; default navigator.gpu. The engine disposes what it opens. */
  createContext?: () => Promise<GpuContext>;
  /** Fetches model sources; default uncached reads (pass a WeightCache's download to keep weights). */
  openSource?: SourceOpener;
  /** Reuse the K/V of the prompt prefix shared with the previous request (default true). */
  prefixReuse?: boolean;
  /** The device went away: the model is gone; `reload` opens a new device (with createContext). */
  onDeviceLost?: (error: RuntimeError) => void;
}

export class Engine implements EngineApi<EngineSource> {
  readonly chat: { readonly completions: ChatCompletionsApi };
  readonly completions: CompletionsApi;
  readonly #options: EngineOptions;
  readonly #scheduler = new Scheduler();
  /** Controllers of the requests submitted and not finished. */
  readonly #active = new Set<AbortController>();
  #ctx: GpuContext | undefined;
  #loaded: LoadedModel | undefined;

  constructor(options: EngineOptions = {}) {
    this.#options = options;
    this.#ctx = options.context;
    this.chat = {
      completions: {
        create: ((request: ChatCompletionRequestBase, o?: RequestOptions) =>
          this.#chat(request, o)) as ChatCompletionsApi['create'],
      },
    };
    this.completions = {
      create: ((request: CompletionRequestBase, o?: RequestOptions) =>
        this.#complete(request, o)) as CompletionsApi['create'],
    };
  }

  /** The loaded model (config, tokenizer), for tools and tests; undefined before reload. */
  get model(): LoadedModel['model'] | undefined {
    return this.#loaded?.model;
  }

  /** Requests waiting for the model (not counting the running one). */
  get queued(): number {
    return this.#scheduler.waiting;
  }

  reload(source: EngineSource, options: ReloadOptions = {}): Promise<ModelInfo> {
    return this.#scheduler.run(() => this.#load(source, options));
  }

  unload(): Promise<void> {
    return this.#scheduler.run(() => this.#drop());
  }

  interruptGenerate(): void {
    for (const c of this.#active) c.abort();
  }

  resetChat(): Promise<void> {
    return this.#scheduler.run(async () => {
      const m = this.#loaded;
      m?.prefix.clear(m.session);
    });
  }

  async info(): Promise<EngineInfo> {
    const ctx = this.#ctx && !this.#ctx.isLost ? this.#ctx : undefined;
    return {
      model: this.#loaded ? modelInfo(this.#loaded) : null,
      device: ctx ? `${ctx.adapterInfo.vendor} ${ctx.adapterInfo.architecture}`.trim() : null,
      limits: ctx
        ? { maxBufferSize: ctx.caps.maxBufferSize, maxStorageBufferBindingSize: ctx.caps.maxStorageBufferBindingSize }
        : null,
    };
  }

  /** Unloads, then closes the device if the engine opened it. */
  async dispose(): Promise<void> {
    this.interruptGenerate();
    await this.unload();
    if (this.#ctx && this.#ctx !== this.#options.context) this.#ctx.dispose();
    this.#ctx = undefined;
  }

  async #chat(
    request: ChatCompletionRequestBase,
    o: RequestOptions = {},
  ): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>> {
    const api = 'chat.completions.create';
    const m = this.#require(api, request?.model);
    const plan = planGeneration(api, request, m.defaults);
    const messages = checkMessages(api, request.messages);
    const tokenizer = m.model.tokenizer;
    const text = applyChatTemplate(tokenizer, messages as ChatMessage[], { addGenerationPrompt: true });
    const prompt = this.#prompt(api, m, plan, withBos(tokenizer, tokenizer.encode(text)), true, text);
    const head = responseHead('chatcmpl', m.id);
    if (plan.stream) {
      return this.#stream<ChatCompletionChunk>(m, prompt, plan, o, {
        start: chatChunk(head, { role: 'assistant', content: '' }),
        delta: (d) => chatChunk(head, chatDelta(d)),
        end: (r) => [chatChunk(head, {}, r.finishReason), ...(plan.includeUsage ? [usageChunk(head, r)] : [])],
      });
    }
    const answer = new ChatText();
    const r = await this.#submit(m, prompt, plan, o, new AbortController(), (d) => answer.add(d));
    return chatCompletion(head, answer, r, prompt.opensReasoning);
  }

  async #complete(
    request: CompletionRequestBase,
    o: RequestOptions = {},
  ): Promise<Completion | AsyncIterable<Completion>> {
    const api = 'completions.create';
    const m = this.#require(api, request?.model);
    const plan = planGeneration(api, request, m.defaults);
    if (typeof request.prompt !== 'string') {
      throw new RuntimeError('INVALID_ARGUMENT', `${api}: prompt must be a string`, { details: { field: 'prompt' } });
    }
    const tokenizer = m.model.tokenizer;
    const prompt = this.#prompt(api, m, plan, withBos(tokenizer, tokenizer.encode(request.prompt)), false, '');
    const head = responseHead('cmpl', m.id);
    if (plan.stream) {
      return this.#stream<Completion>(m, prompt, plan, o, {
        delta: (d) => completion(head, d.content ?? '', null),
        end: (r) => [
          completion(head, '', r.finishReason),
          ...(plan.includeUsage
            ? [{ ...head, object: 'text_completion' as const, choices: [], usage: usageOf(r) }]
            : []),
        ],
      });
    }
    let text = '';
    const r = await this.#submit(m, prompt, plan, o, new AbortController(), (d) => {
      text += d.content ?? '';
    });
    return completion(head, text, r.finishReason, r);
  }

  #prompt(
    api: string,
    m: LoadedModel,
    plan: GenerationPlan,
    ids: number[],
    chat: boolean,
    rendered: string,
  ): PreparedPrompt {
    if (ids.length === 0) {
      throw new RuntimeError('INVALID_ARGUMENT', `${api}: the prompt has no tokens`, { details: { field: 'prompt' } });
    }
    checkContext(api, ids.length, plan.maxTokens, m.session.context);
    return { ids, splitReasoning: chat, opensReasoning: chat && promptOpensReasoning(rendered) };
  }

  /** A stream: the generation runs as a job of its own; the caller reads a queue it fills. */
  #stream<T>(
    m: LoadedModel,
    prompt: PreparedPrompt,
    plan: GenerationPlan,
    o: RequestOptions,
    make: { start?: T; delta: (d: TextDelta) => T; end: (r: GenerationResult) => T[] },
  ): AsyncIterable<T> {
    const controller = new AbortController();
    const queue = new ChunkQueue<T>(() => controller.abort());
    if (make.start) queue.push(make.start);
    this.#submit(m, prompt, plan, o, controller, (d) => queue.push(make.delta(d))).then(
      (r) => {
        for (const chunk of make.end(r)) queue.push(chunk);
        queue.end();
      },
      (error) => queue.fail(error),
    );
    return queue;
  }

  async #submit(
    m: LoadedModel,
    prompt: PreparedPrompt,
    plan: GenerationPlan,
    o: RequestOptions,
    controller: AbortController,
    emit: (d: TextDelta) => void,
  ): Promise<GenerationResult> {
    const createdAt = performance.now();
    const unlink = follow(o.signal, controller);
    this.#active.add(controller);
    try {
      return await this.#scheduler.run(() => {
        m.model.ctx.assertAlive();
        if (this.#loaded !== m) {
          throw new RuntimeError('MODEL_NOT_LOADED', `model '${m.id}' was unloaded before this request ran`, {
            details: { model: m.id },
          });
        }
        return runGeneration(m, prompt, plan, { signal: controller.signal, createdAt, emit });
      });
    } finally {
      this.#active.delete(controller);
      unlink();
    }
  }

  #require(api: string, model: string | null | undefined): LoadedModel {
    const m = this.#loaded;
    if (this.#ctx?.isLost) {
      throw new RuntimeError('DEVICE_LOST', `${api}: the GPU device was lost; reload() the model on a new one`);
    }
    if (!m) throw new RuntimeError('MODEL_NOT_LOADED', `${api}: no model is loaded; call reload() first`);
    if (model !== undefined && model !== null && model !== m.id) {
      throw new RuntimeError(
        'MODEL_NOT_LOADED',
        `${api}: model '${model}' is not loaded (the loaded model is '${m.id}')`,
        {
          details: { requested: model, loaded: m.id },
        },
      );
    }
    return m;
  }

  async #load(source: EngineSource, o: ReloadOptions): Promise<ModelInfo> {
    await this.#drop();
    const ctx = await this.#context();
    const meter = new LoadMeter(o.onProgress);
    const opened = await openEngineSource(source, this.#options.openSource ?? openUncached, {
      onProgress: (p) => meter.fetch(p.phase, p.bytesDone, p.bytesTotal),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.sha256 !== undefined ? { sha256: o.sha256 } : {}),
      ...(o.bytes !== undefined ? { bytes: o.bytes } : {}),
    });
    try {
      const model = await loadModel(ctx, opened, {
        ...(o.contextLength !== undefined ? { contextLength: o.contextLength } : {}),
        ...(o.prefillChunk !== undefined ? { prefillChunk: o.prefillChunk } : {}),
        ...(o.kvDtype !== undefined ? { kvDtype: o.kvDtype } : {}),
        ...(o.gpuMemoryBytes !== undefined ? { gpuMemoryBytes: o.gpuMemoryBytes } : {}),
        onProgress: (p) => meter.upload(p.bytesDone, p.bytesTotal),
      });
      const session = await model.getSession().catch(async (error) => {
        await model.dispose();
        throw error;
      });
      this.#loaded = {
        id: o.modelId ?? opened.name,
        model,
        session,
        prefix: new KvPrefix(this.#options.prefixReuse ?? true),
        defaults: o.defaults ?? {},
      };
      meter.ready(model.weights.bytes);
      return modelInfo(this.#loaded);
    } finally {
      if (opened !== source) await closeSource(opened);
    }
  }

  async #drop(): Promise<void> {
    const m = this.#loaded;
    this.#loaded = undefined;
    if (m && !this.#ctx?.isLost) await m.model.dispose();
  }

  /** The device, opened (again, after a loss) when the engine may open one. */
  async #context(): Promise<GpuContext> {
    const current = this.#ctx;
    if (current && !current.isLost) return current;
    if (current && current === this.#options.context) throw await current.lost;
    const ctx = await (this.#options.createContext ?? createBrowserGpuContext)();
    this.#ctx = ctx;
    // The running request fails at its next readback and queued ones before they start, all with DEVICE_LOST.
    ctx.lost.then((error) => {
      if (this.#ctx !== ctx) return;
      this.#loaded = undefined;
      this.#options.onDeviceLost?.(error);
    });
    return ctx;
  }
}

function modelInfo(m: LoadedModel): ModelInfo {
  const c = m.model.config;
  return {
    id: m.id,
    arch: c.arch,
    contextLength: m.session.context,
    vocab: c.vocab,
    nLayer: c.nLayer,
    nEmbd: c.nEmbd,
    weightBytes: m.model.weights.bytes,
    kvDtype: m.model.shape.kvDtype,
  };
}

/** Prompts get the BOS the vocabulary asks for, unless the text (a chat template) already wrote it. */
function withBos(tokenizer: Tokenizer, ids: number[]): number[] {
  const bos = tokenizer.bosId;
  return tokenizer.addBos && bos !== null && ids[0] !== bos ? [bos, ...ids] : ids;
}

/** Aborts `controller` when `signal` aborts; returns the unsubscribe. */
function follow(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    controller.abort();
    return () => {};
  }
  const onAbort = () => controller.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
