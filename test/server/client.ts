/** Helpers for the HTTP server tests: a tiny model, requests with fetch, Server-Sent Events read as they come. */
import type { ChatCompletionMessageParam } from '@webseek/api';
import { expect } from 'vitest';
import { syntheticGgufBytes, tinyQwen2 } from '../support/models.ts';

/** qwen2 with the tiny R1 vocabulary: the first request compiles the pipelines (~2 s), later ones take ms. */
export const SERVER_SPEC = tinyQwen2({ type: 'f32', seed: 5, vocab: 320, ctxTrain: 512 });

export function serverModelBytes(): Uint8Array {
  return syntheticGgufBytes(SERVER_SPEC);
}

export const QUESTION: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the capital of France?' }];

export function post(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

/** The OpenAI error of a response, after checking its status and shape. */
export async function expectError(
  response: Response,
  status: number,
  code: string,
  param: string | null = null,
): Promise<{ message: string; type: string; param: string | null; code: string }> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const { error } = JSON.parse(text);
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(error.code).toBe(code);
  expect(error.param).toBe(param);
  expect(error.type).toBe(status >= 500 ? 'server_error' : 'invalid_request_error');
  expect(error.message.length).toBeGreaterThan(0);
  return error;
}

/** Reads `data:` events as they arrive; `[DONE]` is returned as the string. */
export class EventReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';

  constructor(response: Response) {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    this.#reader = response.body!.getReader();
  }

  /** The next event's data (parsed JSON, or '[DONE]'); undefined at the end of the response. */
  async next(): Promise<unknown> {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end >= 0) {
        const event = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        expect(event.startsWith('data: '), event).toBe(true);
        const data = event.slice('data: '.length);
        return data === '[DONE]' ? data : JSON.parse(data);
      }
      const { done, value } = await this.#reader.read();
      if (done) {
        expect(this.#buffer, 'bytes after the last event').toBe('');
        return undefined;
      }
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  /** Every remaining event; the stream must end with [DONE]. */
  async rest(): Promise<unknown[]> {
    const events: unknown[] = [];
    for (let e = await this.next(); e !== undefined; e = await this.next()) events.push(e);
    expect(events.at(-1)).toBe('[DONE]');
    return events.slice(0, -1);
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

export async function streamEvents(response: Response): Promise<unknown[]> {
  return new EventReader(response).rest();
}

interface ChunkLike {
  id: string;
  choices: {
    delta?: { role?: string; content?: string | null; reasoning_content?: string | null };
    text?: string;
    finish_reason: string | null;
  }[];
  usage?: { completion_tokens: number; extra: { queue_time_s: number } };
}

/** The concatenated deltas of a chat stream (or texts of a completion stream) and its finish reason. */
export function joined(events: unknown[]): { content: string; reasoning: string; text: string; finish: string | null } {
  let content = '';
  let reasoning = '';
  let text = '';
  let finish: string | null = null;
  for (const chunk of events as ChunkLike[]) {
    for (const choice of chunk.choices) {
      content += choice.delta?.content ?? '';
      reasoning += choice.delta?.reasoning_content ?? '';
      text += choice.text ?? '';
      finish = choice.finish_reason ?? finish;
    }
  }
  return { content, reasoning, text, finish };
}

export function chunksOf(events: unknown[]): ChunkLike[] {
  return events as ChunkLike[];
}

/** Polls until `check` returns a value (the server logs a request after its answer is written). */
export async function eventually<T>(check: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
