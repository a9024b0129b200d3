/**
 * The page's side: the engine's API, answered by a dedicated Web Worker.
 *
 *   const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' });
 *   const engine = await createWorkerEngine(worker);
 *   await engine.reload({ hfRepo, file }, { onProgress: (p) => bar.value = p.fraction });
 *   for await (const chunk of await engine.chat.completions.create({ messages, stream: true })) …
 *
 * Errors arrive as RuntimeErrors with their code and details. A worker that
 * dies (an uncaught error, terminate(), a missed heartbeat) fails every
 * pending call and stream with WORKER_LOST; make a new Worker and client.
 * A lost GPU device fails the running request with DEVICE_LOST; `reload`
 * then opens a new device in the same worker.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequestBase,
  Completion,
  CompletionRequestBase,
  RequestOptions,
} from '@webseek/api';
import { RuntimeError } from '@webseek/api';
import type {
  ChatCompletionsApi,
  CompletionsApi,
  EngineApi,
  EngineInfo,
  ModelInfo,
  ReloadOptions,
} from '@webseek/engine';
import { type Endpoint, proxy, type Remote, releaseProxy, transfer, wrap } from 'comlink';
import { fromWireError, type WireError } from './errors.ts';
import { type EngineRpc, PROTOCOL_VERSION, type StreamMessage, type WorkerModelSource } from './protocol.ts';

/** A browser Worker, or (Node, tests) an endpoint with ways to stop it and to hear it die. */
export type WorkerLike =
  | Worker
  | {
      endpoint: Endpoint;
      terminate?: () => void;
      /** Calls back once when the worker is gone (Node: its 'exit' event). */
      onExit?: (gone: (why: string) => void) => void;
    };

export interface WorkerEngineOptions {
  /** The worker is gone: every pending call failed with WORKER_LOST. */
  onWorkerLost?: (error: RuntimeError) => void;
  /** The worker's GPU device was lost; `reload` recovers. */
  onDeviceLost?: (error: RuntimeError) => void;
  /** Ping the worker this often and declare it lost when a ping goes unanswered as long (off by default). */
  heartbeatMs?: number;
}

/** Connects to a worker running `exposeEngine()`; resolves once it answers. */
export async function createWorkerEngine(worker: WorkerLike, options: WorkerEngineOptions = {}): Promise<WorkerEngine> {
  const client = new WorkerEngine(worker, options);
  await client.connected;
  return client;
}

export class WorkerEngine implements EngineApi<WorkerModelSource> {
  readonly chat: { readonly completions: ChatCompletionsApi };
  readonly completions: CompletionsApi;
  /** Resolves (never rejects) with the WORKER_LOST error when the worker is gone. */
  readonly lost: Promise<RuntimeError>;
  readonly connected: Promise<void>;
  readonly #rpc: Remote<EngineRpc>;
  readonly #terminate: (() => void) | undefined;
  readonly #streams = new Set<(error: RuntimeError) => void>();
  #lostError: RuntimeError | undefined;
  #markLost!: (why: string) => void;
  #nextId = 1;
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(worker: WorkerLike, options: WorkerEngineOptions = {}) {
    const handle = 'endpoint' in worker ? worker : browserWorker(worker);
    this.#terminate = handle.terminate;
    this.lost = new Promise<RuntimeError>((resolve) => {
      this.#markLost = (why) => {
        if (this.#lostError) return;
        const error = new RuntimeError('WORKER_LOST', `the engine's worker is gone (${why}); create a new one`, {
          details: { why },
        });
        this.#lostError = error;
        clearInterval(this.#heartbeat);
        for (const fail of this.#streams) fail(error);
        this.#streams.clear();
        options.onWorkerLost?.(error);
        resolve(error);
      };
    });
    handle.onExit?.((why) => this.#markLost(why));
    this.#rpc = wrap<EngineRpc>(handle.endpoint);
    const events = proxy({
      deviceLost: (wire: WireError) => options.onDeviceLost?.(fromWireError(wire) as RuntimeError),
    });
    this.connected = this.#call(() => this.#rpc.connect(events)).then(({ protocol }) => {
      if (protocol !== PROTOCOL_VERSION) {
        throw new RuntimeError('INTERNAL', `worker speaks protocol ${protocol}, this page ${PROTOCOL_VERSION}`);
      }
      if (options.heartbeatMs) this.#startHeartbeat(options.heartbeatMs);
    });
    this.chat = {
      completions: {
        create: ((request: ChatCompletionRequestBase, o?: RequestOptions) =>
          this.#request('chat', request, o)) as ChatCompletionsApi['create'],
      },
    };
    this.completions = {
      create: ((request: CompletionRequestBase, o?: RequestOptions) =>
        this.#request('complete', request, o)) as CompletionsApi['create'],
    };
  }

  async reload(source: WorkerModelSource, options: ReloadOptions = {}): Promise<ModelInfo> {
    const { onProgress, signal, ...wire } = options;
    const id = this.#nextId++;
    const progress = onProgress ? proxy(onProgress) : undefined;
    const unlink = this.#cancelOn(signal, id);
    try {
      return await this.#call(() => this.#rpc.reload(id, source instanceof URL ? source.href : source, wire, progress));
    } finally {
      unlink();
    }
  }

  unload(): Promise<void> {
    return this.#call(() => this.#rpc.unload());
  }

  resetChat(): Promise<void> {
    return this.#call(() => this.#rpc.resetChat());
  }

  interruptGenerate(): void {
    if (!this.#lostError) void this.#rpc.interruptGenerate().catch(() => {});
  }

  info(): Promise<EngineInfo> {
    return this.#call(() => this.#rpc.info());
  }

  /** Stops the worker; pending calls fail with WORKER_LOST. */
  terminate(): void {
    this.#terminate?.();
    this.#markLost('terminated');
    this.#rpc[releaseProxy]();
  }

  async #request(
    kind: 'chat' | 'complete',
    request: ChatCompletionRequestBase | CompletionRequestBase,
    o: RequestOptions = {},
  ): Promise<ChatCompletion | Completion | AsyncIterable<ChatCompletionChunk | Completion>> {
    const id = this.#nextId++;
    const call = (port?: MessagePort): Promise<ChatCompletion | Completion | null> =>
      kind === 'chat'
        ? this.#rpc.chat(id, request as ChatCompletionRequestBase, port)
        : this.#rpc.complete(id, request as CompletionRequestBase, port);
    if (request?.stream !== true) {
      const unlink = this.#cancelOn(o.signal, id);
      try {
        return (await this.#call(() => call())) as ChatCompletion | Completion;
      } finally {
        unlink();
      }
    }
    const { port1, port2 } = new MessageChannel();
    const stream = this.#portStream<ChatCompletionChunk | Completion>(port1, id, o.signal);
    try {
      await this.#call(() => call(transfer(port2, [port2])));
    } catch (error) {
      port1.close();
      throw error;
    }
    return stream;
  }

  /** Chunks from `port` as an async iterable; leaving the loop early cancels the request in the worker. */
  #portStream<T>(port: MessagePort, id: number, signal: AbortSignal | undefined): AsyncIterable<T> {
    const items: StreamMessage<T>[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const deliver = (m: StreamMessage<T>) => {
      items.push(m);
      wake?.();
      wake = undefined;
    };
    const fail = (error: RuntimeError) =>
      deliver({
        type: 'error',
        error: { kind: 'runtime', code: error.code, message: error.message, details: error.details },
      });
    this.#streams.add(fail);
    const unlink = this.#cancelOn(signal, id);
    const finish = () => {
      done = true;
      unlink();
      this.#streams.delete(fail);
      port.close();
    };
    port.addEventListener('message', (event: MessageEvent<StreamMessage<T>>) => deliver(event.data));
    port.start();
    const next = async (): Promise<IteratorResult<T>> => {
      while (!done) {
        const m = items.shift();
        if (!m) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          continue;
        }
        if (m.type === 'chunk') return { done: false, value: m.chunk };
        finish();
        if (m.type === 'error') throw fromWireError(m.error);
      }
      return { done: true, value: undefined };
    };
    const cancel = async (): Promise<IteratorResult<T>> => {
      if (!done) {
        finish();
        if (!this.#lostError) void this.#rpc.cancel(id).catch(() => {});
      }
      return { done: true, value: undefined };
    };
    return { [Symbol.asyncIterator]: () => ({ next, return: cancel }) };
  }

  /** Runs a call unless the worker is gone; a worker lost meanwhile rejects it with WORKER_LOST. */
  #call<T>(call: () => Promise<T>): Promise<T> {
    if (this.#lostError) return Promise.reject(this.#lostError);
    return Promise.race([call(), this.lost.then((error) => Promise.reject(error))]);
  }

  #cancelOn(signal: AbortSignal | undefined, id: number): () => void {
    if (!signal) return () => {};
    const cancel = () => {
      if (!this.#lostError) void this.#rpc.cancel(id).catch(() => {});
    };
    if (signal.aborted) {
      // The request is not in the worker yet: cancel once it is.
      queueMicrotask(cancel);
      return () => {};
    }
    signal.addEventListener('abort', cancel, { once: true });
    return () => signal.removeEventListener('abort', cancel);
  }

  #startHeartbeat(ms: number): void {
    this.#heartbeat = setInterval(() => {
      const timer = setTimeout(() => this.#markLost(`no answer to a heartbeat within ${ms} ms`), ms);
      this.#rpc.ping().then(
        () => clearTimeout(timer),
        () => {},
      );
    }, ms);
  }
}

function browserWorker(worker: Worker) {
  return {
    endpoint: worker as Endpoint,
    terminate: () => worker.terminate(),
    onExit: (gone: (why: string) => void) =>
      worker.addEventListener('error', (event) =>
        gone(`uncaught error in the worker: ${event.message || 'script failed to load'}`),
      ),
  };
}
