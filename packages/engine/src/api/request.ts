/**
 * Request bodies → what one generation needs, with every field checked up
 * front: a bad or unsupported field is INVALID_ARGUMENT naming it, before the
 * request is queued or anything runs on the device.
 */
import { type ChatCompletionMessageParam, type GenerationParams, RuntimeError } from '@webseek/api';

/** Sampling defaults for a model (a catalogue entry's, e.g. R1's temperature 0.6, top_p 0.95). */
export interface GenerationDefaults {
  temperature?: number;
  top_p?: number;
  top_k?: number;
}

export interface GenerationPlan {
  /** As requested; undefined: until the end of the context. */
  maxTokens: number | undefined;
  temperature: number;
  topP: number;
  topK: number;
  seed: number;
  stop: string[];
  presencePenalty: number;
  frequencyPenalty: number;
  ignoreEos: boolean;
  stream: boolean;
  includeUsage: boolean;
}

/** Most stop strings per request. */
export const MAX_STOP_STRINGS = 16;

/** OpenAI fields this engine does not implement; a request that sets one is refused rather than silently ignored. */
const UNSUPPORTED = [
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'tools',
  'tool_choice',
  'response_format',
  'echo',
  'suffix',
  'best_of',
  'repetition_penalty',
] as const;

export function planGeneration(api: string, req: GenerationParams, defaults: GenerationDefaults = {}): GenerationPlan {
  if (typeof req !== 'object' || req === null) throw bad(api, 'request', 'must be an object', req);
  for (const field of UNSUPPORTED) {
    const value = (req as Record<string, unknown>)[field];
    if (value !== undefined && value !== null && value !== false) {
      throw new RuntimeError('INVALID_ARGUMENT', `${api}: '${field}' is not supported by this engine`, {
        details: { field },
      });
    }
  }
  if (req.n !== undefined && req.n !== null && req.n !== 1) throw bad(api, 'n', 'must be 1 (one choice)', req.n);
  return {
    maxTokens: optional(req.max_tokens, (v) => int(api, 'max_tokens', v, 1, Number.MAX_SAFE_INTEGER)),
    temperature: num(api, 'temperature', req.temperature ?? defaults.temperature ?? 1, 0, 2),
    topP: num(api, 'top_p', req.top_p ?? defaults.top_p ?? 1, 0, 1),
    topK: int(api, 'top_k', req.top_k ?? defaults.top_k ?? 0, 0, 2 ** 31 - 1),
    seed:
      optional(req.seed, (v) => int(api, 'seed', v, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) >>> 0) ??
      randomSeed(),
    stop: stops(api, req.stop),
    presencePenalty: num(api, 'presence_penalty', req.presence_penalty ?? 0, -2, 2),
    frequencyPenalty: num(api, 'frequency_penalty', req.frequency_penalty ?? 0, -2, 2),
    ignoreEos: req.ignore_eos === true,
    stream: req.stream === true,
    includeUsage: req.stream === true && req.stream_options?.include_usage === true,
  };
}

/** A non-empty list of messages with string roles whose content is text (string or text parts). */
export function checkMessages(api: string, messages: unknown): ChatCompletionMessageParam[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new RuntimeError('INVALID_ARGUMENT', `${api}: messages must be a non-empty array`, {
      details: { field: 'messages' },
    });
  }
  messages.forEach((m: unknown, index) => {
    const message = m as { role?: unknown; content?: unknown } | null;
    if (typeof message !== 'object' || message === null || typeof message.role !== 'string') {
      throw new RuntimeError('INVALID_ARGUMENT', `${api}: messages[${index}] is not an object with a string role`, {
        details: { field: 'messages', index },
      });
    }
    if (!Array.isArray(message.content)) return;
    const part = message.content.find((p: { type?: unknown }) => p?.type !== 'text');
    if (part !== undefined) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        `${api}: messages[${index}] has a '${String(part?.type)}' content part; only text parts are supported`,
        { details: { field: 'messages', index, part: String(part?.type) } },
      );
    }
  });
  return messages as ChatCompletionMessageParam[];
}

/**
 * The context rule (CONTEXT_OVERFLOW): the prompt and max_tokens must fit in
 * the context together. Without max_tokens, generation may run to the end of
 * the context and then finishes with 'length'; the prompt must still leave
 * room for one token.
 */
export function checkContext(api: string, promptTokens: number, maxTokens: number | undefined, context: number): void {
  const need = promptTokens + (maxTokens ?? 1);
  if (need <= context) return;
  const asked = maxTokens === undefined ? 'at least 1 token' : `max_tokens ${maxTokens}`;
  throw new RuntimeError(
    'CONTEXT_OVERFLOW',
    `${api}: the prompt is ${promptTokens} tokens and ${asked} more must fit, ${need} in all, but the context holds ${context}; shorten the messages or lower max_tokens`,
    { details: { promptTokens, maxTokens: maxTokens ?? null, context } },
  );
}

function stops(api: string, stop: GenerationParams['stop']): string[] {
  if (stop === undefined || stop === null) return [];
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
    throw bad(api, 'stop', 'must be a string or an array of strings', stop);
  }
  if (list.length > MAX_STOP_STRINGS) throw bad(api, 'stop', `takes at most ${MAX_STOP_STRINGS} strings`, list.length);
  return list.filter((s) => s.length > 0);
}

function optional<T>(value: number | null | undefined, parse: (v: number) => T): T | undefined {
  return value === undefined || value === null ? undefined : parse(value);
}

function num(api: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw bad(api, field, `must be a number in [${min}, ${max}]`, value);
  }
  return value;
}

function int(api: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(api, field, `must be an integer in [${min}, ${max}]`, value);
  }
  return value;
}

function bad(api: string, field: string, rule: string, value: unknown): RuntimeError {
  return new RuntimeError('INVALID_ARGUMENT', `${api}: ${field} ${rule}, got ${JSON.stringify(value)}`, {
    details: { field, value: typeof value === 'object' ? String(value) : value },
  });
}

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}
