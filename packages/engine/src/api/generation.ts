/**
 * One request on the loaded model: reuse the cached prompt prefix, feed the
 * rest, stream text deltas until a stop token, a stop string, max_tokens,
 * the context end or an abort, and time each part.
 */
import { type FinishReason, isRuntimeError } from '@webseek/api';
import type { Model } from '../model.ts';
import type { Session } from '../session.ts';
import type { KvPrefix } from './prefix.ts';
import type { GenerationDefaults, GenerationPlan } from './request.ts';
import { isEmptyDelta, type TextDelta, TextPipeline } from './text.ts';

/** The model a request runs on, with its one session and what that session's cache holds. */
export interface LoadedModel {
  id: string;
  model: Model;
  session: Session;
  prefix: KvPrefix;
  defaults: GenerationDefaults;
}

export interface PreparedPrompt {
  ids: number[];
  /** Chat completions split reasoning_content; raw completions return the text as it is. */
  splitReasoning: boolean;
  /** The rendered prompt ends inside `<think>` (the R1 template's generation prompt). */
  opensReasoning: boolean;
}

export interface GenerationResult {
  finishReason: FinishReason;
  promptTokens: number;
  /** Prompt tokens whose K/V were reused. */
  cachedTokens: number;
  completionTokens: number;
  /** Seconds: waiting in the queue, prefill (to the first token), decoding (first token to last), and end to end. */
  queueS: number;
  prefillS: number;
  decodeS: number;
  e2eS: number;
}

export interface RunContext {
  signal: AbortSignal;
  /** performance.now() when the request was made (before queueing). */
  createdAt: number;
  emit: (delta: TextDelta) => void;
}

export async function runGeneration(
  m: LoadedModel,
  prompt: PreparedPrompt,
  plan: GenerationPlan,
  run: RunContext,
): Promise<GenerationResult> {
  const started = performance.now();
  const timing = { createdAt: run.createdAt, started, first: started };
  if (run.signal.aborted) return result(prompt, 'abort', 0, 0, timing);
  const { session, model } = m;
  const cached = m.prefix.reuse(session, prompt.ids);
  const fed = [...prompt.ids];
  const text = new TextPipeline(model.tokenizer, {
    stop: plan.stop,
    splitReasoning: prompt.splitReasoning,
    startInReasoning: prompt.opensReasoning,
  });
  const stopIds = new Set(plan.ignoreEos ? [] : model.stopIds);
  let finish: FinishReason = 'length';
  let count = 0;
  try {
    for await (const token of session.generate(prompt.ids.slice(cached), {
      // Without max_tokens the session runs to the end of its context.
      maxTokens: plan.maxTokens ?? session.context,
      temperature: plan.temperature,
      topK: plan.topK,
      topP: plan.topP,
      seed: plan.seed,
      stopIds: [...stopIds],
      presencePenalty: plan.presencePenalty,
      frequencyPenalty: plan.frequencyPenalty,
      signal: run.signal,
    })) {
      if (++count === 1) timing.first = performance.now();
      fed.push(token.id);
      const { delta, stopped } = text.push(token.id);
      if (!isEmptyDelta(delta)) run.emit(delta);
      if (stopped || stopIds.has(token.id)) {
        finish = 'stop';
        break;
      }
      if (run.signal.aborted) {
        finish = 'abort';
        break;
      }
    }
  } catch (error) {
    // Aborted during the prompt: the chunks already run stay cached; the request ends with 'abort'.
    if (!(isRuntimeError(error, 'ABORTED') && run.signal.aborted)) {
      m.prefix.clear(session);
      throw error;
    }
    finish = 'abort';
  }
  m.prefix.record(session, fed);
  const tail = text.finish();
  if (!isEmptyDelta(tail)) run.emit(tail);
  return result(prompt, finish, cached, count, timing);
}

function result(
  prompt: PreparedPrompt,
  finishReason: FinishReason,
  cachedTokens: number,
  completionTokens: number,
  t: { createdAt: number; started: number; first: number },
): GenerationResult {
  const end = performance.now();
  const first = completionTokens > 0 ? t.first : end;
  return {
    finishReason,
    promptTokens: prompt.ids.length,
    cachedTokens,
    completionTokens,
    queueS: (t.started - t.createdAt) / 1000,
    prefillS: (first - t.started) / 1000,
    decodeS: (end - first) / 1000,
    e2eS: (end - t.createdAt) / 1000,
  };
}
