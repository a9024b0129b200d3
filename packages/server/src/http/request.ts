/**
 * Request bodies → what the engine is asked. The engine checks the sampling
 * and stopping fields itself (planGeneration: type, range, the field's name);
 * here are only the checks it does not make: the model id against the served
 * one, and the fields it reads loosely (`stream: "yes"` would silently be a
 * whole answer there).
 */
import { RuntimeError } from '@webseek/api';
import { HttpError } from './errors.ts';

/** A request body, as parsed JSON. */
export type Body = Record<string, unknown>;

/** `model`, when given, must be the id this server serves. */
export function checkModel(body: Body, served: string): void {
  const model = body['model'];
  if (model === undefined || model === null || model === served) return;
  if (typeof model !== 'string') throw badField('model', 'must be a string', model);
  throw new HttpError(404, 'model_not_found', `The model '${model}' does not exist; this server serves '${served}'`, {
    param: 'model',
  });
}

/** Type checks of the fields the engine takes as `=== true`. */
export function checkLooseFields(body: Body): void {
  optionalBoolean(body, 'stream');
  optionalBoolean(body, 'ignore_eos');
  const options = body['stream_options'];
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw badField('stream_options', 'must be an object like {"include_usage": true}', options);
  }
  optionalBoolean(options as Body, 'include_usage', 'stream_options.include_usage');
}

/** The client asked for the usage chunk at the end of its stream. */
export function wantsUsage(body: Body): boolean {
  return (body['stream_options'] as { include_usage?: boolean } | null | undefined)?.include_usage === true;
}

/**
 * What the engine gets: `max_completion_tokens` (newer OpenAI clients send it)
 * read as `max_tokens`, and streams always asked for their usage, which the
 * server logs and forwards only when the client asked too.
 */
export function engineRequest(body: Body): Body {
  const request: Body = { ...body };
  if ((request['max_tokens'] ?? null) === null && (body['max_completion_tokens'] ?? null) !== null) {
    request['max_tokens'] = body['max_completion_tokens'];
  }
  delete request['max_completion_tokens'];
  if (body['stream'] === true) request['stream_options'] = { include_usage: true };
  return request;
}

function optionalBoolean(body: Body, key: string, field = key): void {
  const value = body[key];
  if (value !== undefined && value !== null && typeof value !== 'boolean') {
    throw badField(field, 'must be true or false', value);
  }
}

function badField(field: string, rule: string, value: unknown): RuntimeError {
  return new RuntimeError('INVALID_ARGUMENT', `${field} ${rule}, got ${JSON.stringify(value)}`, {
    details: { field },
  });
}
