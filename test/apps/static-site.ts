/**
 * A static web server for built apps and demos, as a plain host would serve
 * them: files from a folder (a directory answers with its index.html) plus
 * extra routes (e.g. a model under the path a page names), Range requests
 * (206), and a log of every request, so a test can say what a page fetched.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

export interface StaticSite {
  readonly origin: string;
  /** Paths requested, in order. */
  readonly log: string[];
  close(): Promise<void>;
}

/** What a route serves: a file on disk, or bytes. */
export type Route = string | Uint8Array;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

export async function serveStatic(root: string, routes: Record<string, Route> = {}): Promise<StaticSite> {
  const log: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    log.push(path);
    const body = routes[path] ?? fileUnder(root, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
    if (body === undefined) return void res.writeHead(404).end();
    const bytes = typeof body === 'string' ? readFileSync(body) : body;
    const name = typeof body === 'string' ? body : path;
    send(req, res, bytes, TYPES[extname(name)] ?? 'application/octet-stream');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The file `path` names under `root` (its index.html for a directory); never outside `root`. */
function fileUnder(root: string, path: string): string | undefined {
  const file = normalize(join(root, path));
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  if (!existsSync(file)) return undefined;
  if (!statSync(file).isDirectory()) return file;
  const index = join(file, 'index.html');
  return existsSync(index) ? index : undefined;
}

function send(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, type: string): void {
  const size = bytes.byteLength;
  // no-store: what a test measures is what the page and its service worker do, not the HTTP cache.
  const headers = { 'Content-Type': type, 'Cache-Control': 'no-store', 'Accept-Ranges': 'bytes' };
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  let [start, end, status] = [0, size - 1, 200];
  if (range) {
    start = Number(range[1]);
    end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start >= size || end < start) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    status = 206;
    Object.assign(headers, { 'Content-Range': `bytes ${start}-${end}/${size}` });
  }
  res.writeHead(status, { ...headers, 'Content-Length': end - start + 1 });
  res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1));
}
