/**
 * The worker's side: an Engine on the worker's own GPU device, exposed to
 * the page through comlink. The worker script is three lines:
 *
 *   // engine.worker.ts
 *   import { exposeEngine } from '@webseek/worker/host';
 *   exposeEngine();
 *
 * Weights are fetched through the loader's weight cache (IndexedDB) unless
 * `openSource` says otherwise.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequestBase,
  Completion,
  CompletionRequestBase,
  LoadProgress,
} from '@webseek/api';
import { Engine, type EngineInfo, type EngineOptions, type ModelInfo, type SourceOpener } from '@webseek/engine';
import { download } from '@webseek/loader';
import { type Endpoint, expose } from 'comlink';
import { toWireError } from './errors.ts';
import {
  type EngineRpc,
  type HostEvents,
  PROTOCOL_VERSION,
  type StreamMessage,
  type WireReloadOptions,
  type WorkerModelSource,
} from './protocol.ts';

export interface WorkerHostOptions extends EngineOptions {
  /** Where to listen; default the worker's global scope. */
  endpoint?: Endpoint;
}

/** Fetches through the browser weight cache: a model downloads once, then loads offline. */
export const cachedOpener: SourceOpener = (source, o) => download(source, o);

export class WorkerEngineHost implements EngineRpc {
  readonly engine: Engine;
  readonly #controllers = new Map<number, AbortController>();
  #events: HostEvents | undefined;

  constructor(options: WorkerHostOptions = {}) {
    this.engine = new Engine({
      openSource: cachedOpener,
      ...options,
      onDeviceLost: (error) => {
        options.onDeviceLost?.(error);
        this.#events?.deviceLost(toWireError(error));
      },
    });
  }

  /** Starts answering calls on `endpoint` (default: the worker's global scope). */
  listen(endpoint: Endpoint = globalThis as unknown as Endpoint): this {
    expose(this, endpoint);
    return this;
  }

  async connect(events: HostEvents): Promise<{ protocol: 1 }> {
    this.#events = events;
    return { protocol: PROTOCOL_VERSION };
  }

  async reload(
    id: number,
    source: Exclude<WorkerModelSource, URL>,
    options: WireReloadOptions,
    onProgress?: (p: LoadProgress) => void,
  ): Promise<ModelInfo> {
    const controller = this.#track(id);
    try {
      return await this.engine.reload(source, {
        ...options,
        signal: controller.signal,
        // A proxied callback: each call is a message to the page; nothing waits for the answer.
        ...(onProgress ? { onProgress: (p: LoadProgress) => void Promise.resolve(onProgress(p)).catch(() => {}) } : {}),
      });
    } finally {
      this.#controllers.delete(id);
    }
  }

  unload(): Promise<void> {
    return this.engine.unload();
  }

  resetChat(): Promise<void> {
    return this.engine.resetChat();
  }

  interruptGenerate(): void {
    this.engine.interruptGenerate();
  }

  info(): Promise<EngineInfo> {
    return this.engine.info();
  }

  async chat(id: number, request: ChatCompletionRequestBase, port?: MessagePort): Promise<ChatCompletion | null> {
    const signal = this.#track(id).signal;
    const completions = this.engine.chat.completions;
    return this.#run(id, port, async () =>
      port
        ? completions.create({ ...request, stream: true }, { signal })
        : completions.create({ ...request, stream: false }, { signal }),
    );
  }

  async complete(id: number, request: CompletionRequestBase, port?: MessagePort): Promise<Completion | null> {
    const signal = this.#track(id).signal;
    const completions = this.engine.completions;
    return this.#run(id, port, async () =>
      port
        ? completions.create({ ...request, stream: true }, { signal })
        : completions.create({ ...request, stream: false }, { signal }),
    );
  }

  cancel(id: number): void {
    this.#controllers.get(id)?.abort();
  }

  ping(): number {
    return Date.now();
  }

  /** A whole answer is returned; a stream is pumped into `port` in the background and null returned. */
  async #run<T extends ChatCompletion | Completion, C extends ChatCompletionChunk | Completion>(
    id: number,
    port: MessagePort | undefined,
    create: () => Promise<T | AsyncIterable<C>>,
  ): Promise<T | null> {
    let streaming = false;
    try {
      const result = await create();
      if (!port) return result as T;
      streaming = true;
      void this.#pump(id, result as AsyncIterable<C>, port);
      return null;
    } finally {
      if (!streaming) this.#controllers.delete(id);
    }
  }

  async #pump<C>(id: number, stream: AsyncIterable<C>, port: MessagePort): Promise<void> {
    const send = (m: StreamMessage<C>) => port.postMessage(m);
    try {
      for await (const chunk of stream) send({ type: 'chunk', chunk });
      send({ type: 'end' });
    } catch (error) {
      send({ type: 'error', error: toWireError(error) });
    } finally {
      this.#controllers.delete(id);
      port.close();
    }
  }

  #track(id: number): AbortController {
    const controller = new AbortController();
    this.#controllers.set(id, controller);
    return controller;
  }
}

/** Makes the worker's engine and starts answering the page. */
export function exposeEngine(options: WorkerHostOptions = {}): WorkerEngineHost {
  return new WorkerEngineHost(options).listen(options.endpoint);
}
