/**
 * The page a user would write: the ready-made engine worker, a model loaded
 * from a URL with progress, one streamed chat completion. run-e2e.ts calls
 * `window[E2E_API]` and judges the answer.
 */
import type { LoadProgress } from '@webseek/api';
import { createWorkerEngine } from '@webseek/worker';
import EngineWorker from '@webseek/worker/engine.worker?worker';
import { E2E_API, type E2eApi, type E2eResult } from './protocol.ts';

const run: E2eApi = async (request): Promise<E2eResult> => {
  const engine = await createWorkerEngine(new EngineWorker({ name: 'webseek-engine' }));
  try {
    const progress: LoadProgress[] = [];
    const t0 = performance.now();
    const model = await engine.reload(request.url, { onProgress: (p) => progress.push(p) });
    const t1 = performance.now();
    const stream = await engine.chat.completions.create({
      messages: request.messages,
      stream: true,
      max_tokens: request.maxTokens,
      temperature: 0,
      seed: 1,
      stream_options: { include_usage: true },
    });
    let reasoning = '';
    let content = '';
    let chunks = 0;
    const deltas: string[] = [];
    let usage: { completion_tokens: number; prompt_tokens: number } | undefined;
    let finishReason: string | null = null;
    for await (const chunk of stream) {
      usage = chunk.usage ?? usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      chunks++;
      deltas.push((choice.delta.reasoning_content ?? '') + (choice.delta.content ?? ''));
      reasoning += choice.delta.reasoning_content ?? '';
      content += choice.delta.content ?? '';
      finishReason = choice.finish_reason ?? finishReason;
    }
    const generateMs = performance.now() - t1;
    const info = await engine.info();
    const { id, arch, vocab, nLayer, weightBytes } = model;
    return {
      device: info.device,
      limits: info.limits,
      model: { id, arch, vocab, nLayer, weightBytes },
      progress,
      reasoning,
      content,
      chunks,
      deltas,
      completionTokens: usage?.completion_tokens ?? null,
      promptTokens: usage?.prompt_tokens ?? null,
      finishReason,
      loadMs: t1 - t0,
      generateMs,
    };
  } catch (error) {
    const e = error as { name?: string; code?: string; message?: string };
    return {
      error: { name: e.name ?? 'Error', ...(e.code ? { code: e.code } : {}), message: e.message ?? String(error) },
    };
  } finally {
    engine.terminate();
  }
};

(window as unknown as Record<string, E2eApi>)[E2E_API] = run;
