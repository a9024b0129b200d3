/**
 * The benchmark page: the ready-made engine worker, as a user's page has it.
 * 'download' is a first visit (the model is fetched into IndexedDB, then
 * loaded); 'cached' a later one: the raw IndexedDB read of the same bytes
 * (idb-read.worker.ts) around a load from the cache, then one warm-up and one
 * measured completion in the worker. run.ts drives both and prints figures.
 */
import type { LoadProgress } from '@webseek/api';
import { createWorkerEngine, type WorkerEngine } from '@webseek/worker';
import EngineWorker from '@webseek/worker/engine.worker?worker';
import IdbReadWorker from './idb-read.worker.ts?worker';
import {
  BENCH_API,
  type BenchApi,
  type BenchRequest,
  type BenchResult,
  type LoadFigures,
  type PhaseSpans,
  type RawRead,
  type RunFigures,
} from './protocol.ts';

const bench: BenchApi = async (request): Promise<BenchResult> => {
  const engine = await createWorkerEngine(new EngineWorker({ name: 'webseek-engine' }));
  try {
    if (request.stage === 'download') return { device: null, load: await load(engine, request) };
    const rawBefore = await rawRead(request.url);
    const loaded = await load(engine, request);
    const rawAfter = await rawRead(request.url);
    const run = await measure(engine, request);
    return { device: (await engine.info()).device, load: loaded, rawBefore, rawAfter, run };
  } catch (error) {
    const e = error as { name?: string; code?: string; message?: string };
    return {
      error: { name: e.name ?? 'Error', ...(e.code ? { code: e.code } : {}), message: e.message ?? String(error) },
    };
  } finally {
    engine.terminate();
  }
};

async function load(engine: WorkerEngine, r: BenchRequest): Promise<LoadFigures> {
  const phases: PhaseSpans = {};
  const onProgress = (p: LoadProgress) => {
    const span = phases[p.phase] ?? { from: p.elapsedSeconds, to: p.elapsedSeconds, bytes: 0 };
    phases[p.phase] = span;
    span.to = p.elapsedSeconds;
    span.bytes = Math.max(span.bytes, p.bytesDone);
  };
  const t0 = performance.now();
  await engine.reload(r.url, { contextLength: r.contextLength, prefillChunk: r.prefillChunk, onProgress });
  return { ms: performance.now() - t0, phases };
}

/** A warm-up of the same prompt (compiles every pipeline), the KV prefix dropped, then the measured request. */
async function measure(engine: WorkerEngine, r: BenchRequest): Promise<RunFigures> {
  const request = { prompt: r.prompt, temperature: 0, ignore_eos: true } as const;
  await engine.completions.create({ ...request, max_tokens: 2 });
  await engine.resetChat();
  const answer = await engine.completions.create({ ...request, max_tokens: r.maxTokens });
  const usage = answer.usage!;
  return {
    promptTokens: usage.prompt_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    completionTokens: usage.completion_tokens,
    prefillTokS: usage.extra.prefill_tokens_per_s,
    decodeTokS: usage.extra.decode_tokens_per_s,
    ttftS: usage.extra.time_to_first_token_s,
    e2eS: usage.extra.e2e_latency_s,
    text: answer.choices[0]?.text ?? '',
  };
}

function rawRead(url: string): Promise<RawRead> {
  const worker = new IdbReadWorker({ name: 'idb-read' });
  return new Promise<RawRead>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ answer?: RawRead; error?: string }>) =>
      e.data.answer ? resolve(e.data.answer) : reject(new Error(e.data.error));
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage({ url });
  }).finally(() => worker.terminate());
}

(window as unknown as Record<string, BenchApi>)[BENCH_API] = bench;
