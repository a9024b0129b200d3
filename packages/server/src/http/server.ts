/**
 * The OpenAI-compatible HTTP server (node:http): route, check the key, read
 * the body, call the engine, write JSON or Server-Sent Events, and turn every
 * failure into an OpenAI-shaped error. Each request has an AbortController:
 * the client hanging up, or the server closing, ends its generation at the
 * next token so the requests queued behind it start at once.
 *
 *   const api = new ApiServer({ engine });
 *   const url = await api.listen(8080, '127.0.0.1');
 *   …
 *   await api.close();   // stop accepting, abort generations, wait for their answers
 */
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FinishReason } from '@webseek/api';
import { checkApiKey, corsHeaders, preflightHeaders } from './access.ts';
import { DEFAULT_MAX_BODY_BYTES, readJsonObject } from './body.ts';
import { errorReply, HttpError } from './errors.ts';
import type { Reply, ServedEngine } from './handlers.ts';
import { allowedMethods, findRoute, knownPath, pathOf } from './router.ts';
import { ROUTES } from './routes.ts';
import { SseWriter } from './sse.ts';

export interface ApiServerOptions {
  engine: ServedEngine;
  /** Requests to /v1/* must send `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Access-Control-Allow-Origin for browsers ('*' or one origin); no CORS headers when unset. */
  cors?: string;
  /** Largest request body (default 4 MiB); bigger ones get 413. */
  maxBodyBytes?: number;
  /** Called once per request when its answer is complete. */
  log?: (entry: RequestLog) => void;
}

export interface RequestLog {
  method: string;
  path: string;
  status: number;
  ms: number;
  stream: boolean;
  finishReason: FinishReason | null;
  completionTokens: number | null;
  /** The client hung up before the whole answer was written. */
  clientGone: boolean;
  /** What went wrong, for the server's log only (a 5xx client sees no internals). */
  error?: unknown;
}

export class ApiServer {
  readonly http: Server;
  readonly #options: ApiServerOptions;
  readonly #startedAt = Math.floor(Date.now() / 1000);
  readonly #inflight = new Set<Promise<void>>();
  readonly #controllers = new Set<AbortController>();
  #closing = false;

  constructor(options: ApiServerOptions) {
    this.#options = options;
    this.http = createServer((req, res) => this.#track(req, res));
  }

  /** Starts listening; resolves with the base URL (port 0 picks a free port). */
  listen(port: number, host: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        const bound = (this.http.address() as AddressInfo).port;
        resolve(`http://${host.includes(':') ? `[${host}]` : host}:${bound}`);
      });
    });
  }

  /** Stops accepting, aborts every generation (streams end with finish_reason 'abort' and [DONE]), waits for the answers. */
  async close(graceMs = 10_000): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    for (const controller of this.#controllers) controller.abort();
    this.http.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled([...this.#inflight]), grace]);
    clearTimeout(timer);
    this.http.closeAllConnections();
    await closed;
  }

  #track(req: IncomingMessage, res: ServerResponse): void {
    const done: Promise<void> = this.#handle(req, res)
      // #handle answers its own errors; this is the last guard that keeps the process up.
      .catch(() => {
        res.destroy();
      })
      .finally(() => this.#inflight.delete(done));
    this.#inflight.add(done);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const controller = new AbortController();
    let clientGone = false;
    res.on('close', () => {
      clientGone = !res.writableFinished;
      if (clientGone) controller.abort();
    });
    this.#controllers.add(controller);
    let reply: Reply | undefined;
    let error: unknown;
    try {
      reply = await this.#dispatch(req, controller.signal);
      await send(res, reply, corsHeaders(this.#options.cors));
    } catch (caught) {
      error = caught;
      sendError(res, caught, corsHeaders(this.#options.cors));
    } finally {
      this.#controllers.delete(controller);
      this.#log(req, res, { started, reply, error, clientGone });
    }
  }

  async #dispatch(req: IncomingMessage, signal: AbortSignal): Promise<Reply> {
    if (this.#closing) {
      throw new HttpError(503, 'shutting_down', 'the server is shutting down', { headers: { connection: 'close' } });
    }
    const o = this.#options;
    const path = pathOf(req.url);
    const method = req.method ?? '';
    if (method === 'OPTIONS' && o.cors !== undefined && knownPath(ROUTES, path)) {
      const allow = allowedMethods(ROUTES.filter((r) => r.path === path));
      return { kind: 'json', status: 204, headers: preflightHeaders(o.cors, allow) as Record<string, string> };
    }
    const route = findRoute(ROUTES, method, path);
    if (route.auth) checkApiKey(req.headers, o.apiKey);
    const body = route.method === 'POST' ? await readJsonObject(req, o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) : {};
    return route.handle({ engine: o.engine, body, signal, startedAt: this.#startedAt });
  }

  #log(
    req: IncomingMessage,
    res: ServerResponse,
    {
      started,
      reply,
      error,
      clientGone,
    }: { started: number; reply: Reply | undefined; error: unknown; clientGone: boolean },
  ): void {
    const outcome = reply?.outcome;
    this.#options.log?.({
      method: req.method ?? '',
      path: pathOf(req.url),
      status: res.statusCode,
      ms: performance.now() - started,
      stream: reply?.kind === 'events',
      finishReason: outcome?.finishReason ?? null,
      completionTokens: outcome?.completionTokens ?? null,
      clientGone,
      ...(error !== undefined ? { error } : {}),
    });
  }
}

async function send(res: ServerResponse, reply: Reply, common: OutgoingHttpHeaders): Promise<void> {
  if (reply.kind === 'json') return sendJson(res, reply.status, reply.body, { ...common, ...reply.headers });
  const sse = new SseWriter(res, common as Record<string, string>);
  try {
    for await (const event of reply.events) await sse.send(event);
  } catch (error) {
    // The status went out with the headers: the error becomes the stream's last event.
    await sse.fail(errorReply(error).body);
    throw error;
  }
  await sse.done();
}

function sendError(res: ServerResponse, error: unknown, common: OutgoingHttpHeaders): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  const { status, body, headers } = errorReply(error);
  sendJson(res, status, body, { ...common, ...headers });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders): void {
  if (res.destroyed || res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
