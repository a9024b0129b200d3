/**
 * A web-llm-compatible surface over webseek, for apps written against
 * @mlc-ai/web-llm: the same factory names, engine methods and OpenAI-shaped
 * calls; model ids resolve through models.json and `appConfig` (GGUF files,
 * not MLC libraries). web-llm itself is not used.
 *
 *   const engine = await CreateMLCEngine('DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M', { initProgressCallback });
 *   const reply = await engine.chat.completions.create({ messages });
 *
 *   // worker.ts
 *   const handler = new WebWorkerMLCEngineHandler();
 *   self.onmessage = (msg) => handler.onmessage(msg);
 *   // page
 *   const engine = await CreateWebWorkerMLCEngine(new Worker(…), modelId, { initProgressCallback });
 *
 * Not supported (they throw INVALID_ARGUMENT): embeddings, resumable
 * sessions, forwardTokensAndSample, several models at once.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequestBase,
  Completion,
  CompletionRequestBase,
  CompletionUsage,
  LoadProgress,
} from '@webseek/api';
import { RuntimeError } from '@webseek/api';
import {
  type ChatCompletionsApi,
  type CompletionsApi,
  Engine,
  type EngineApi,
  type EngineOptions,
  type EngineSource,
} from '@webseek/engine';
import {
  modelId as cacheIdOf,
  defaultWeightStore,
  download,
  type ModelSource,
  type WeightCache,
  weightCache,
} from '@webseek/loader';
import { type AppConfigLike, type ChatOptionsLike, resolveModel } from './catalogue.ts';
import { createWorkerEngine, type WorkerLike } from './client.ts';
import { WorkerEngineHost, type WorkerHostOptions } from './host.ts';
import type { WorkerModelSource } from './protocol.ts';

export { type AppConfigLike, type AppModelRecord, type ChatOptionsLike, MODEL_CATALOGUE } from './catalogue.ts';

export interface InitProgressReport {
  /** 0..1 over the whole load. */
  progress: number;
  /** Seconds since the load started. */
  timeElapsed: number;
  text: string;
}

export type InitProgressCallback = (report: InitProgressReport) => void;

export interface MLCEngineConfig {
  appConfig?: AppConfigLike;
  initProgressCallback?: InitProgressCallback;
  logLevel?: string;
  /** webseek: the in-process engine's options (device, source opener, prefix reuse). CreateMLCEngine only. */
  engine?: EngineOptions;
  /** webseek: the weight cache ids are looked up in (default: the browser's IndexedDB cache). */
  cache?: WeightCache;
}

function notSupported(what: string): RuntimeError {
  return new RuntimeError('INVALID_ARGUMENT', `${what} is not supported by webseek`, { details: { feature: what } });
}

/** The engine object web-llm apps hold; backed by an in-process Engine or a worker client. */
export class MLCEngine {
  readonly chat: { readonly completions: ChatCompletionsApi };
  readonly completions: CompletionsApi;
  readonly embeddings = {
    create: async (_request: unknown): Promise<never> => {
      throw notSupported('embeddings');
    },
  };
  #appConfig: AppConfigLike | undefined;
  #progress: InitProgressCallback | undefined;
  #logLevel = 'WARN';
  #lastMessage = '';
  #lastUsage: CompletionUsage | undefined;

  constructor(
    /** An in-process Engine, or a worker client (which takes cloneable sources only, as the catalogue's are). */
    private readonly backend: EngineApi<EngineSource> | EngineApi<WorkerModelSource>,
    config: MLCEngineConfig = {},
  ) {
    this.#appConfig = config.appConfig;
    this.#progress = config.initProgressCallback;
    if (config.logLevel) this.#logLevel = config.logLevel;
    const chatCreate = (request: ChatCompletionRequestBase) => this.#chat(request);
    const completionCreate = (request: CompletionRequestBase) => this.#complete(request);
    this.chat = { completions: { create: chatCreate as ChatCompletionsApi['create'] } };
    this.completions = { create: completionCreate as CompletionsApi['create'] };
  }

  setInitProgressCallback(callback: InitProgressCallback): void {
    this.#progress = callback;
  }

  getInitProgressCallback(): InitProgressCallback | undefined {
    return this.#progress;
  }

  setAppConfig(appConfig: AppConfigLike): void {
    this.#appConfig = appConfig;
  }

  setLogLevel(level: string): void {
    this.#logLevel = level;
  }

  get logLevel(): string {
    return this.#logLevel;
  }

  async reload(modelId: string | string[], chatOpts?: ChatOptionsLike | ChatOptionsLike[]): Promise<void> {
    const ids = Array.isArray(modelId) ? modelId : [modelId];
    if (ids.length !== 1) throw notSupported('loading several models at once');
    const opts = Array.isArray(chatOpts) ? chatOpts[0] : chatOpts;
    const resolved = resolveModel(ids[0]!, this.#appConfig, opts);
    const progress = this.#progress;
    await (this.backend as EngineApi<EngineSource>).reload(resolved.source, {
      ...resolved.options,
      ...(progress ? { onProgress: (p: LoadProgress) => progress(initReport(p)) } : {}),
    });
  }

  unload(): Promise<void> {
    return this.backend.unload();
  }

  interruptGenerate(): void {
    this.backend.interruptGenerate();
  }

  async resetChat(_keepStats?: boolean, _modelId?: string): Promise<void> {
    await this.backend.resetChat();
  }

  /** web-llm's older spelling of chat.completions.create. */
  get chatCompletion(): ChatCompletionsApi['create'] {
    return this.chat.completions.create;
  }

  /** web-llm's older spelling of completions.create. */
  get completion(): CompletionsApi['create'] {
    return this.completions.create;
  }

  async embedding(_request: unknown): Promise<never> {
    throw notSupported('embeddings');
  }

  /** The text of the last answer (streamed ones once they end). */
  async getMessage(_modelId?: string): Promise<string> {
    return this.#lastMessage;
  }

  async runtimeStatsText(_modelId?: string): Promise<string> {
    const u = this.#lastUsage;
    if (!u) return 'no request has finished yet';
    return `prefill: ${u.extra.prefill_tokens_per_s.toFixed(1)} tok/s, decode: ${u.extra.decode_tokens_per_s.toFixed(1)} tok/s`;
  }

  async getMaxStorageBufferBindingSize(): Promise<number> {
    const info = await this.backend.info();
    if (!info.limits) throw new RuntimeError('GPU_UNAVAILABLE', 'no GPU device is open yet: reload a model first');
    return info.limits.maxStorageBufferBindingSize;
  }

  async getGPUVendor(): Promise<string> {
    return (await this.backend.info()).device ?? '';
  }

  async forwardTokensAndSample(_inputIds: number[], _isPrefill: boolean, _modelId?: string): Promise<number> {
    throw notSupported('forwardTokensAndSample');
  }

  async listResumableSessions(): Promise<never[]> {
    return [];
  }

  async resumeChatCompletion(_sessionId: string, _options?: unknown): Promise<never> {
    throw notSupported('resumable sessions');
  }

  async deleteResumableSession(_sessionId: string): Promise<void> {}

  async #chat(request: ChatCompletionRequestBase): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>> {
    const result = await this.backend.chat.completions.create(request);
    if (!isStream(result)) {
      this.#finished(result.choices[0]?.message.content ?? '', result.usage);
      return result;
    }
    return this.#watch(result, (c) => c.choices[0]?.delta.content ?? '');
  }

  async #complete(request: CompletionRequestBase): Promise<Completion | AsyncIterable<Completion>> {
    const result = await this.backend.completions.create(request);
    if (!isStream(result)) {
      this.#finished(result.choices[0]?.text ?? '', result.usage);
      return result;
    }
    return this.#watch(result, (c) => c.choices[0]?.text ?? '');
  }

  /** Passes chunks through, remembering the text and usage for getMessage and runtimeStatsText. */
  #watch<T extends { usage?: CompletionUsage }>(
    stream: AsyncIterable<T>,
    text: (chunk: T) => string,
  ): AsyncIterable<T> {
    const engine = this;
    return {
      async *[Symbol.asyncIterator]() {
        let all = '';
        let usage: CompletionUsage | undefined;
        for await (const chunk of stream) {
          all += text(chunk);
          usage = chunk.usage ?? usage;
          yield chunk;
        }
        engine.#finished(all, usage);
      },
    };
  }

  #finished(text: string, usage: CompletionUsage | undefined): void {
    this.#lastMessage = text;
    if (usage) this.#lastUsage = usage;
  }
}

function isStream<T>(value: object): value is AsyncIterable<T> {
  return Symbol.asyncIterator in value;
}

function initReport(p: LoadProgress): InitProgressReport {
  return { progress: p.fraction, timeElapsed: p.elapsedSeconds, text: p.text };
}

/** The default opener for model ids: through the weight cache, checking the catalogue's SHA-256 and size. */
function cacheOpener(cache: WeightCache | undefined): EngineOptions['openSource'] {
  return (source, o) => (cache ? cache.download(source, o) : download(source, o));
}

/** An engine in this thread, with `modelId` loaded. */
export async function CreateMLCEngine(
  modelId: string | string[],
  engineConfig: MLCEngineConfig = {},
  chatOpts?: ChatOptionsLike | ChatOptionsLike[],
): Promise<MLCEngine> {
  const backend = new Engine({ openSource: cacheOpener(engineConfig.cache), ...engineConfig.engine });
  const engine = new MLCEngine(backend, engineConfig);
  await engine.reload(modelId, chatOpts);
  return engine;
}

/** An engine in `worker` (which runs WebWorkerMLCEngineHandler or exposeEngine), with `modelId` loaded. */
export async function CreateWebWorkerMLCEngine(
  worker: WorkerLike,
  modelId: string | string[],
  engineConfig: MLCEngineConfig = {},
  chatOpts?: ChatOptionsLike | ChatOptionsLike[],
): Promise<MLCEngine> {
  const client = await createWorkerEngine(worker);
  const engine = new MLCEngine(client, engineConfig);
  await engine.reload(modelId, chatOpts);
  return engine;
}

/** The worker script's side: answers CreateWebWorkerMLCEngine's client (through comlink, listening on the worker scope). */
export class WebWorkerMLCEngineHandler {
  readonly host: WorkerEngineHost;

  constructor(options: WorkerHostOptions = {}) {
    this.host = new WorkerEngineHost(options).listen(options.endpoint);
  }

  /** Kept for `self.onmessage = (m) => handler.onmessage(m)`; comlink already listens, so there is nothing to do. */
  onmessage(_event: unknown): void {}
}

/** Whether the model an id names is complete in the weight cache (no network). */
export async function hasModelInCache(
  modelId: string,
  appConfig?: AppConfigLike,
  cache: WeightCache = weightCache(defaultWeightStore()),
): Promise<boolean> {
  const id = cachedId(modelId, appConfig);
  return id !== undefined && cache.has(id);
}

/** Deletes the cached weights of the model an id names (web-llm's config and wasm have no counterpart here). */
export async function deleteModelAllInfoInCache(
  modelId: string,
  appConfig?: AppConfigLike,
  cache: WeightCache = weightCache(defaultWeightStore()),
): Promise<void> {
  const id = cachedId(modelId, appConfig);
  if (id !== undefined) await cache.delete(id);
}

/** The weight cache's id for a model id; undefined for in-memory sources, which are never cached. */
function cachedId(modelId: string, appConfig: AppConfigLike | undefined): string | undefined {
  const { source } = resolveModel(modelId, appConfig);
  if (source instanceof Uint8Array || source instanceof ArrayBuffer || isByteSourceLike(source)) return undefined;
  return cacheIdOf(source as ModelSource);
}

function isByteSourceLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { read?: unknown }).read === 'function';
}
