/** What run.ts and the benchmark page exchange: one call on `window[BENCH_API]`, its figures cloned back. */

export const BENCH_API = '__webseekBench';

export interface BenchRequest {
  /** 'download': a first visit (fetch into IndexedDB, then load). 'cached': a later visit, offline. */
  stage: 'download' | 'cached';
  /** The model's URL on the local file server; also its id in the weight cache. */
  url: string;
  prompt: string;
  maxTokens: number;
  contextLength: number;
  prefillChunk: number;
}

/** Every chunk of the model read from IndexedDB with idb-keyval alone (no engine, no GPU). */
export interface RawRead {
  bytes: number;
  chunks: number;
  readMs: number;
  /** The same reads, each chunk also hashed with crypto.subtle SHA-256 (what the cache checks on load). */
  readAndHashMs: number;
}

/** Seconds at which each load phase was first and last reported. */
export type PhaseSpans = Partial<Record<string, { from: number; to: number; bytes: number }>>;

export interface LoadFigures {
  ms: number;
  phases: PhaseSpans;
}

/** One measured completion, from the response's usage block. */
export interface RunFigures {
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  prefillTokS: number;
  decodeTokS: number;
  ttftS: number;
  e2eS: number;
  text: string;
}

export interface BenchAnswer {
  device: string | null;
  load: LoadFigures;
  rawBefore?: RawRead;
  rawAfter?: RawRead;
  run?: RunFigures;
}

export type BenchResult = BenchAnswer | { error: { name: string; code?: string; message: string } };

export type BenchApi = (request: BenchRequest) => Promise<BenchResult>;
