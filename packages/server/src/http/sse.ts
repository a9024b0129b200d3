/**
 * Server-Sent Events as OpenAI streams them: `data: <json>\n\n` per chunk,
 * then `data: [DONE]\n\n`. Writes wait for the socket to drain (a slow reader
 * holds chunks in the engine's queue, not in ours); once the client is gone
 * every write is a no-op, so the caller just runs to the end.
 */
import type { ServerResponse } from 'node:http';

export class SseWriter {
  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // Reverse proxies (nginx) would otherwise buffer the whole stream.
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
  }

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  send(data: unknown): Promise<void> {
    return this.#write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** The `[DONE]` sentinel, and the end of the response. */
  async done(): Promise<void> {
    await this.#write('data: [DONE]\n\n');
    if (this.open) this.res.end();
  }

  /** An error after the headers went out: one `data: {error}` event, then the end (no [DONE]). */
  async fail(body: unknown): Promise<void> {
    await this.send(body);
    if (this.open) this.res.end();
  }

  #write(text: string): Promise<void> {
    if (!this.open || this.res.write(text)) return Promise.resolve();
    return new Promise((resolve) => {
      const settle = () => {
        this.res.off('drain', settle);
        this.res.off('close', settle);
        resolve();
      };
      this.res.on('drain', settle);
      this.res.on('close', settle);
    });
  }
}
