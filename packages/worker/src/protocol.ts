/**
 * What crosses between the page and the worker. Calls go through comlink
 * (typed by `EngineRpc`); a stream's chunks go through a MessagePort of its
 * own as `StreamMessage`s, so the worker never waits on the page.
 */
import type {
  ChatCompletion,
  ChatCompletionRequestBase,
  Completion,
  CompletionRequestBase,
  LoadProgress,
} from '@webseek/api';
import type { EngineInfo, ModelInfo, ReloadOptions } from '@webseek/engine';
import type { HubFile, PathFile } from '@webseek/loader';
import type { WireError } from './errors.ts';

/** Model sources that structured clone can carry: a URL string, a hub file, a Blob/File, a path (Node), bytes. */
export type WorkerModelSource = string | URL | HubFile | PathFile | Blob | Uint8Array | ArrayBuffer;

/** ReloadOptions without what cannot be cloned (the callback is proxied, the signal becomes a cancel call). */
export type WireReloadOptions = Omit<ReloadOptions, 'onProgress' | 'signal'>;

export type StreamMessage<T> = { type: 'chunk'; chunk: T } | { type: 'end' } | { type: 'error'; error: WireError };

/** Calls from the worker to the page. */
export interface HostEvents {
  deviceLost(error: WireError): void;
}

/** The worker's side, as the page calls it. Every request carries an id the page can cancel it by. */
export interface EngineRpc {
  /** Registers the page's event sink; resolves once the host is listening. */
  connect(events: HostEvents): Promise<{ protocol: 1 }>;
  reload(
    id: number,
    source: Exclude<WorkerModelSource, URL>,
    options: WireReloadOptions,
    onProgress?: (p: LoadProgress) => void,
  ): Promise<ModelInfo>;
  unload(): Promise<void>;
  resetChat(): Promise<void>;
  interruptGenerate(): void;
  info(): Promise<EngineInfo>;
  /** With a port: a stream (resolves null once it is set up; chunks go to the port). Without: the whole answer. */
  chat(id: number, request: ChatCompletionRequestBase, port?: MessagePort): Promise<ChatCompletion | null>;
  complete(id: number, request: CompletionRequestBase, port?: MessagePort): Promise<Completion | null>;
  /** Aborts request `id` (a generation ends with 'abort'; a load with ABORTED). */
  cancel(id: number): void;
  ping(): number;
}

export const PROTOCOL_VERSION = 1;
