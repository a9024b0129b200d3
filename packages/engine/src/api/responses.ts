/** OpenAI-shaped response objects from a generation's text and result. */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionDelta,
  Completion,
  CompletionUsage,
  FinishReason,
} from '@webseek/api';
import type { GenerationResult } from './generation.ts';
import type { TextDelta } from './text.ts';

export interface ResponseHead {
  id: string;
  created: number;
  model: string;
}

export function responseHead(prefix: 'chatcmpl' | 'cmpl', model: string): ResponseHead {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return { id: `${prefix}-${hex}`, created: Math.floor(Date.now() / 1000), model };
}

export function usageOf(r: GenerationResult): CompletionUsage {
  const prefillTokens = r.promptTokens - r.cachedTokens;
  const decoded = Math.max(0, r.completionTokens - 1);
  const rate = (n: number, s: number) => (s > 0 ? n / s : 0);
  return {
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    total_tokens: r.promptTokens + r.completionTokens,
    prompt_tokens_details: { cached_tokens: r.cachedTokens },
    extra: {
      prefill_tokens_per_s: rate(prefillTokens, r.prefillS),
      decode_tokens_per_s: rate(decoded, r.decodeS),
      time_to_first_token_s: r.prefillS,
      e2e_latency_s: r.e2eS,
      time_per_output_token_s: decoded > 0 ? r.decodeS / decoded : 0,
      prefill_tokens: prefillTokens,
      queue_time_s: r.queueS,
    },
  };
}

/** Accumulates a whole (non-streamed) chat answer. */
export class ChatText {
  reasoning = '';
  content = '';
  #reasoned = false;

  add(d: TextDelta): void {
    if (d.reasoning !== undefined) {
      this.#reasoned = true;
      this.reasoning += d.reasoning;
    }
    if (d.content !== undefined) this.content += d.content;
  }

  /** null when the model never reasoned (no `<think>` block). */
  get reasoningContent(): string | null {
    return this.#reasoned ? this.reasoning : null;
  }
}

export function chatCompletion(
  head: ResponseHead,
  text: ChatText,
  r: GenerationResult,
  startInReasoning: boolean,
): ChatCompletion {
  // A prompt that opened `<think>` always yields reasoning, even if empty.
  const reasoning = text.reasoningContent ?? (startInReasoning && r.completionTokens > 0 ? '' : null);
  return {
    ...head,
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text.content, reasoning_content: reasoning },
        finish_reason: r.finishReason,
        logprobs: null,
      },
    ],
    usage: usageOf(r),
  };
}

export function chatChunk(
  head: ResponseHead,
  delta: ChatCompletionDelta,
  finishReason: FinishReason | null = null,
): ChatCompletionChunk {
  return {
    ...head,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  };
}

export function chatDelta(d: TextDelta): ChatCompletionDelta {
  const out: ChatCompletionDelta = {};
  if (d.reasoning) out.reasoning_content = d.reasoning;
  if (d.content) out.content = d.content;
  return out;
}

export function usageChunk(head: ResponseHead, r: GenerationResult): ChatCompletionChunk {
  return { ...head, object: 'chat.completion.chunk', choices: [], usage: usageOf(r) };
}

export function completion(
  head: ResponseHead,
  text: string,
  finishReason: FinishReason | null,
  r?: GenerationResult,
): Completion {
  return {
    ...head,
    object: 'text_completion',
    choices: [{ index: 0, text, finish_reason: finishReason, logprobs: null }],
    ...(r ? { usage: usageOf(r) } : {}),
  };
}
