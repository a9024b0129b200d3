/**
 * The engine's public surface, shared by the in-process `Engine` and the
 * worker client (`@webseek/worker`), so code written against one runs on the other.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequestBase,
  ChatCompletionRequestNonStreaming,
  ChatCompletionRequestStreaming,
  Completion,
  CompletionRequestBase,
  CompletionRequestNonStreaming,
  CompletionRequestStreaming,
  LoadProgress,
  RequestOptions,
} from '@webseek/api';
import type { KvDtype } from '../memory.ts';
import type { GenerationDefaults } from './request.ts';

export interface ChatCompletionsApi {
  create(
    request: ChatCompletionRequestStreaming,
    options?: RequestOptions,
  ): Promise<AsyncIterable<ChatCompletionChunk>>;
  create(request: ChatCompletionRequestNonStreaming, options?: RequestOptions): Promise<ChatCompletion>;
  create(
    request: ChatCompletionRequestBase,
    options?: RequestOptions,
  ): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
}

export interface CompletionsApi {
  create(request: CompletionRequestStreaming, options?: RequestOptions): Promise<AsyncIterable<Completion>>;
  create(request: CompletionRequestNonStreaming, options?: RequestOptions): Promise<Completion>;
  create(request: CompletionRequestBase, options?: RequestOptions): Promise<Completion | AsyncIterable<Completion>>;
}

/** Load settings; everything here crosses a worker boundary except `onProgress` (proxied) and `signal`. */
export interface ReloadOptions {
  /** The name responses carry in `model`; default the source's name. */
  modelId?: string;
  /** Positions the KV cache holds; default min(4096, the model's training context). */
  contextLength?: number;
  /** Most tokens per prefill step; default 128. */
  prefillChunk?: number;
  kvDtype?: KvDtype;
  /** Device memory we may use in all (a GPU_OOM refusal before uploading beyond it). */
  gpuMemoryBytes?: number;
  /** Sampling defaults for requests that leave the fields out. */
  defaults?: GenerationDefaults;
  /** Expected SHA-256 (hex) and size of the file, for an opener that downloads (the weight cache checks them). */
  sha256?: string;
  bytes?: number;
  onProgress?: (progress: LoadProgress) => void;
  /** Stops fetching the weights (the load then fails with ABORTED). */
  signal?: AbortSignal;
}

/** What is loaded, for display and for sizing prompts. */
export interface ModelInfo {
  id: string;
  arch: string;
  contextLength: number;
  vocab: number;
  nLayer: number;
  nEmbd: number;
  /** Weight bytes on the device. */
  weightBytes: number;
  kvDtype: KvDtype;
}

export interface EngineInfo {
  model: ModelInfo | null;
  /** The GPU adapter, when a device is open. */
  device: string | null;
  /** The device's buffer limits in bytes, when a device is open. */
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number } | null;
}

export interface EngineApi<Source> {
  readonly chat: { readonly completions: ChatCompletionsApi };
  readonly completions: CompletionsApi;
  /** Loads a model (after the requests queued before it), replacing the current one. */
  reload(source: Source, options?: ReloadOptions): Promise<ModelInfo>;
  /** Frees the model (after the requests queued before it). */
  unload(): Promise<void>;
  /** Ends every generation submitted so far at its next token, with finish_reason 'abort'. */
  interruptGenerate(): void;
  /** Forgets the cached KV prefix: the next request prefills its whole prompt. */
  resetChat(): Promise<void>;
  info(): Promise<EngineInfo>;
}
