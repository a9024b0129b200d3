/**
 * The endpoints as calls on the engine: a checked request body in, a reply
 * (one JSON value, or a stream of events) out. Nothing here touches sockets.
 */
import type {
  ChatCompletionRequestBase,
  CompletionRequestBase,
  CompletionUsage,
  FinishReason,
  RequestOptions,
} from '@webseek/api';
import type { EngineApi } from '@webseek/engine';
import { type Body, checkLooseFields, checkModel, engineRequest, wantsUsage } from './request.ts';

/** What the server needs of an engine (the in-process Engine, or anything shaped like it). */
export type ServedEngine = Pick<EngineApi<unknown>, 'chat' | 'completions' | 'info'>;

export interface Call {
  engine: ServedEngine;
  /** The JSON body of a POST; {} for a GET. */
  body: Body;
  /** Aborts when the client goes away or the server shuts down. */
  signal: AbortSignal;
  /** Unix seconds the server started (the `created` of the served model). */
  startedAt: number;
}

/** How a generation ended, for the request log; filled in as a stream runs. */
export interface Outcome {
  finishReason: FinishReason | null;
  completionTokens: number | null;
}

export type Reply =
  | { kind: 'json'; status: number; body?: unknown; headers?: Record<string, string>; outcome?: Outcome }
  | { kind: 'events'; events: AsyncIterable<unknown>; outcome: Outcome };

/** The shape chat and raw completions (and their chunks) share. */
interface Generated {
  choices: { finish_reason: FinishReason | null }[];
  usage?: CompletionUsage;
}

type Create = (request: Body, options: RequestOptions) => Promise<Generated | AsyncIterable<Generated>>;

// The bodies are checked JSON; the engine validates every field it reads (planGeneration).
export function chatCompletions(call: Call): Promise<Reply> {
  return generate(call, (request, options) =>
    call.engine.chat.completions.create(request as unknown as ChatCompletionRequestBase, options),
  );
}

export function completions(call: Call): Promise<Reply> {
  return generate(call, (request, options) =>
    call.engine.completions.create(request as unknown as CompletionRequestBase, options),
  );
}

export async function listModels(call: Call): Promise<Reply> {
  const { model } = await call.engine.info();
  const data = model
    ? [
        {
          id: model.id,
          object: 'model',
          created: call.startedAt,
          owned_by: 'webseek',
          context_length: model.contextLength,
        },
      ]
    : [];
  return { kind: 'json', status: 200, body: { object: 'list', data } };
}

export async function health(call: Call): Promise<Reply> {
  const { model } = await call.engine.info();
  return model
    ? { kind: 'json', status: 200, body: { status: 'ok', model: model.id } }
    : { kind: 'json', status: 503, body: { status: 'unavailable', model: null } };
}

async function generate(call: Call, create: Create): Promise<Reply> {
  const { model } = await call.engine.info();
  // With no model the engine itself says why (not loaded, or the device was lost).
  if (model) checkModel(call.body, model.id);
  checkLooseFields(call.body);
  const result = await create(engineRequest(call.body), { signal: call.signal });
  const outcome: Outcome = { finishReason: null, completionTokens: null };
  if (!isAsyncIterable(result)) {
    note(outcome, result);
    return { kind: 'json', status: 200, body: result, outcome };
  }
  return { kind: 'events', events: relay(result, wantsUsage(call.body), outcome), outcome };
}

/** The engine's chunks as they come, noting the outcome; the usage chunk only when the client asked for it. */
async function* relay(chunks: AsyncIterable<Generated>, withUsage: boolean, outcome: Outcome) {
  for await (const chunk of chunks) {
    note(outcome, chunk);
    if (chunk.usage && chunk.choices.length === 0 && !withUsage) continue;
    yield chunk;
  }
}

function note(outcome: Outcome, g: Generated): void {
  outcome.finishReason = g.choices[0]?.finish_reason ?? outcome.finishReason;
  if (g.usage) outcome.completionTokens = g.usage.completion_tokens;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Generated> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
