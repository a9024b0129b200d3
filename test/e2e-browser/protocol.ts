/** What run-e2e.ts and the page exchange: one call on `window[E2E_API]`, its answer cloned back. */
import type { LoadProgress } from '@webseek/api';

export const E2E_API = '__webseekE2e';

export interface E2eRequest {
  /** The model's URL on the local file server (also its cache id in IndexedDB). */
  url: string;
  messages: { role: 'user'; content: string }[];
  maxTokens: number;
}

export interface E2eAnswer {
  /** The worker engine's adapter ('vendor architecture') and buffer limits. */
  device: string | null;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number } | null;
  model: { id: string; arch: string; vocab: number; nLayer: number; weightBytes: number };
  progress: LoadProgress[];
  /** Streamed deltas, in order: reasoning_content and content kept apart. */
  reasoning: string;
  content: string;
  chunks: number;
  /** Each chunk's text (reasoning or content), in order. */
  deltas: string[];
  /** From the usage chunk (stream_options.include_usage). */
  completionTokens: number | null;
  promptTokens: number | null;
  finishReason: string | null;
  loadMs: number;
  generateMs: number;
}

export type E2eResult = E2eAnswer | { error: { name: string; code?: string; message: string } };

export type E2eApi = (request: E2eRequest) => Promise<E2eResult>;
