/**
 * A small HTTP file server on 127.0.0.1 for the loader tests (Node and
 * browser): Range requests (206), and switches to misbehave the way real
 * servers and networks do — ignore Range, drop the connection mid-body, trickle,
 * answer an error status — plus a Hugging Face-shaped `resolve` route that
 * redirects with X-Linked-Etag. Every request is logged, so tests can assert
 * exactly which byte ranges were fetched. CORS is open for the browser tests.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedFile {
  bytes: Uint8Array;
  etag?: string;
  /** Hub emulation: `X-Linked-Etag` / `X-Linked-Size` on the redirect (what huggingface.co does), or only on the file response. */
  linkedSha256?: string;
  linkedOn?: 'redirect' | 'file';
  /** Bodies pause on reaching this file offset until `resume` settles. */
  pauseAt?: number;
  resume?: Promise<void>;
}

export interface LoggedRequest {
  method: string;
  path: string;
  range: string | undefined;
  status: number;
  /** Body bytes written (before any drop). */
  sent: number;
}

export interface RangeServer {
  readonly origin: string;
  readonly log: LoggedRequest[];
  /** Serves `bytes` at `/files/<name>`, and at `/<repo>/resolve/<rev>/<name>` via a redirect. */
  add(name: string, file: ServedFile): string;
  /** Answer 200 with the whole file to every Range request. */
  refuseRange: boolean;
  /** The next body longer than this is cut (socket destroyed) after this many bytes; size probes are never cut. */
  dropNextAfter: number | undefined;
  /** Answer this status (no body) to every file request. */
  failStatus: number | undefined;
  /** Milliseconds to wait between 64 KiB pieces of a body. */
  pieceDelayMs: number;
  /** Requests that asked for file bytes (GET), as `bytes=a-b` or 'all'. */
  ranges(): string[];
  close(): Promise<void>;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Deterministic pseudo-random bytes (xorshift32), so corruption and misplacement are visible. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export async function startRangeServer(): Promise<RangeServer> {
  const files = new Map<string, ServedFile>();
  const state: RangeServer = {
    origin: '',
    log: [],
    add(name, file) {
      files.set(name, file);
      return `${state.origin}/files/${name}`;
    },
    refuseRange: false,
    dropNextAfter: undefined,
    failStatus: undefined,
    pieceDelayMs: 0,
    ranges: () => state.log.filter((r) => r.method === 'GET' && r.status < 300).map((r) => r.range ?? 'all'),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    handle(state, files, req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (state as { origin: string }).origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = state.close;
  state.close = () => {
    server.closeAllConnections();
    return close();
  };
  return state;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Range, Authorization',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, ETag, X-Linked-Etag, X-Linked-Size, Accept-Ranges',
};

async function handle(
  state: RangeServer,
  files: Map<string, ServedFile>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const entry: LoggedRequest = { method: req.method ?? 'GET', path, range: req.headers.range, status: 0, sent: 0 };
  state.log.push(entry);
  const reply = (status: number, headers: Record<string, string | number> = {}) => {
    entry.status = status;
    res.writeHead(status, { ...CORS, ...headers });
  };
  const empty = (status: number, headers: Record<string, string | number> = {}) => {
    reply(status, headers);
    res.end();
  };
  if (req.method === 'OPTIONS') return empty(204);
  const hub = /^\/[^/]+\/[^/]+\/resolve\/[^/]+\/(.+)$/.exec(path);
  const name = hub ? hub[1]! : path.startsWith('/files/') ? path.slice('/files/'.length) : undefined;
  const file = name === undefined ? undefined : files.get(name);
  if (!file) return empty(404);
  if (hub) {
    // Like huggingface.co: the resolve URL redirects to the CDN and carries the LFS file's SHA-256.
    const linked: Record<string, string | number> =
      file.linkedSha256 && file.linkedOn !== 'file'
        ? { 'X-Linked-Etag': `"${file.linkedSha256}"`, 'X-Linked-Size': file.bytes.byteLength }
        : {};
    return empty(302, { Location: `/files/${name}`, ...linked });
  }
  if (state.failStatus !== undefined) return empty(state.failStatus);
  const size = file.bytes.byteLength;
  const headers: Record<string, string | number> = {
    'Accept-Ranges': state.refuseRange ? 'none' : 'bytes',
    ...(file.etag ? { ETag: `"${file.etag}"` } : {}),
    ...(file.linkedSha256 && file.linkedOn === 'file' ? { 'X-Linked-Etag': `"${file.linkedSha256}"` } : {}),
  };
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  let [start, end] = [0, size - 1];
  if (range && !state.refuseRange) {
    start = Number(range[1]);
    end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start >= size || end < start) return empty(416, { 'Content-Range': `bytes */${size}` });
    reply(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
  } else {
    entry.range = req.headers.range ? `${req.headers.range} (refused)` : undefined;
    reply(200, { ...headers, 'Content-Length': size });
  }
  if (req.method === 'HEAD') return void res.end();
  const pause = file.pauseAt === undefined ? undefined : { at: file.pauseAt - start, until: file.resume };
  await sendBody(state, entry, res, file.bytes.subarray(start, end + 1), req.headers.range === 'bytes=0-0', pause);
}

async function sendBody(
  state: RangeServer,
  entry: LoggedRequest,
  res: ServerResponse,
  body: Uint8Array,
  probe: boolean,
  pause: { at: number; until: Promise<void> | undefined } | undefined,
): Promise<void> {
  // Size probes (bytes=0-0, answered whole when Range is refused) and bodies shorter than the cut pass through.
  const cut = state.dropNextAfter;
  const drop = cut !== undefined && !probe && body.byteLength > cut ? cut : undefined;
  if (drop !== undefined) state.dropNextAfter = undefined;
  const piece = 64 << 10;
  for (let at = 0; at < body.byteLength; ) {
    if (pause && at === pause.at) await pause.until;
    let next = Math.min(at + piece, body.byteLength);
    if (drop !== undefined) next = Math.min(next, drop);
    if (pause && at < pause.at) next = Math.min(next, pause.at);
    if (next > at && !res.write(body.subarray(at, next))) await new Promise((resolve) => res.once('drain', resolve));
    entry.sent += next - at;
    at = next;
    if (drop !== undefined && at >= drop) {
      // Flush what was written, then cut the connection mid-body (Content-Length promised more).
      await new Promise((resolve) => setTimeout(resolve, 20));
      res.socket?.destroy();
      return;
    }
    if (state.pieceDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.pieceDelayMs));
    if (res.destroyed) return;
  }
  res.end();
}
