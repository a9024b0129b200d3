/**
 * Where a download reads from: an HTTP URL (Range requests, streamed) or a
 * ByteSource (a Blob/File or a local file being imported). Both hand back the
 * body from a chunk-aligned offset as a stream of pieces; the caller cuts it
 * into chunks.
 */
import type { ByteSource } from '@webseek/formats';
import { abortedError, loaderError, networkError, type Where } from './errors.ts';
import { sha256FromEtag } from './sha256.ts';

export interface RemoteInfo {
  bytes: number;
  /** The server's ETag (changes when the file does). */
  etag?: string;
  /** The file's SHA-256 as the server states it (Hugging Face LFS files), hex. */
  sha256?: string;
}

export interface Body {
  /** Offset of the first byte of `pieces` (the requested start, or 0 when a server ignores Range). */
  from: number;
  pieces: AsyncIterable<Uint8Array>;
  cancel(): Promise<void>;
}

export interface Remote {
  info(): Promise<RemoteInfo>;
  /** Bytes [start, end) — or from an earlier `from` — until the end, unless the connection drops. */
  open(start: number, end: number): Promise<Body>;
  /** Releases what the remote holds open (a local file). */
  close?(): Promise<void>;
}

export interface HttpOptions {
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Reading a Hugging Face file's SHA-256: for LFS files the hub's `resolve`
 * endpoint answers with a redirect to its CDN whose headers include
 * `X-Linked-Etag: "<sha256>"` (and `X-Linked-Size`); the CDN's own `ETag` is
 * not reliably the SHA-256. Node's fetch with `redirect: 'manual'` sees the
 * redirect's headers; a browser only gets an opaque redirect, so there the
 * followed response's `x-linked-etag` / 64-hex `etag` is used when present,
 * and otherwise the commit rests on the per-chunk hashes (pass `sha256` to be sure).
 */
export function httpRemote(where: Where, hub: boolean, options: HttpOptions): Remote {
  const get = options.fetch ?? globalThis.fetch.bind(globalThis);
  let size: number | undefined;
  const request = async (init: RequestInit, what: string): Promise<Response> => {
    try {
      return await get(where.url, {
        ...init,
        headers: { ...options.headers, ...(init.headers as object) },
        signal: options.signal ?? null,
      });
    } catch (cause) {
      if (options.signal?.aborted) throw abortedError(where, cause);
      throw networkError(where, `${what} failed: ${String(cause)}`, true, {}, cause);
    }
  };
  return {
    async info() {
      const response = await request({ headers: { Range: 'bytes=0-0' } }, 'size probe');
      const bytes = probedSize(where, response);
      await response.body?.cancel().catch(() => {});
      size = bytes;
      const linked = hub ? await linkedHeaders(request, response) : undefined;
      if (linked?.size !== undefined && linked.size !== bytes) {
        throw loaderError('MODEL_FORMAT', where, `the hub states ${linked.size} bytes, the file has ${bytes}`, {
          expected: linked.size,
          actual: bytes,
        });
      }
      const etag = response.headers.get('etag') ?? undefined;
      return { bytes, ...(etag ? { etag } : {}), ...(linked?.sha256 ? { sha256: linked.sha256 } : {}) };
    },
    async open(start, end) {
      const range = `bytes=${start}-${end - 1}`;
      const response = await request({ headers: { Range: range } }, `request for ${range}`);
      const from = bodyStart(where, response, range, start, size);
      const reader = response.body!.getReader();
      return { from, pieces: pieces(where, reader, options.signal), cancel: () => reader.cancel().catch(() => {}) };
    },
  };
}

/** Reads a ByteSource (Blob/File, local file) in pieces: nothing can drop, nothing to retry. */
export function sourceRemote(source: ByteSource, pieceBytes = 4 << 20): Remote {
  return {
    info: async () => ({ bytes: source.size }),
    async open(start, end) {
      let cancelled = false;
      async function* read() {
        for (let at = start; at < end && !cancelled; at += pieceBytes) {
          yield await source.read(at, Math.min(pieceBytes, end - at));
        }
      }
      const cancel = async () => {
        cancelled = true;
      };
      return { from: start, pieces: read(), cancel };
    },
  };
}

function probedSize(where: Where, response: Response): number {
  if (response.status === 206) {
    const total = contentRange(response)?.total;
    if (total !== undefined) return total;
  }
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (response.status === 200 && Number.isSafeInteger(length)) return length;
  if (!response.ok) throw statusError(where, response, 'size probe');
  throw networkError(
    where,
    'cannot learn the file size (no Content-Range or Content-Length; CORS may hide them)',
    false,
  );
}

/** SHA-256 and size from the hub's X-Linked-* headers: the unfollowed redirect's (Node), else the final response's. */
async function linkedHeaders(
  request: (init: RequestInit, what: string) => Promise<Response>,
  followed: Response,
): Promise<{ sha256?: string; size?: number }> {
  const head = await request({ method: 'HEAD', redirect: 'manual' }, 'hub metadata').catch(() => undefined);
  for (const headers of [head?.headers, followed.headers]) {
    const sha256 = sha256FromEtag(headers?.get('x-linked-etag'));
    if (sha256) {
      const size = Number(headers?.get('x-linked-size') ?? Number.NaN);
      return { sha256, ...(Number.isSafeInteger(size) ? { size } : {}) };
    }
  }
  const sha256 = sha256FromEtag(followed.headers.get('etag'));
  return sha256 ? { sha256 } : {};
}

function bodyStart(where: Where, response: Response, range: string, start: number, size: number | undefined): number {
  if (response.status === 206) {
    const got = contentRange(response);
    if (got?.start !== start) {
      void response.body?.cancel().catch(() => {});
      throw networkError(where, `asked for ${range}, the server sent ${response.headers.get('content-range')}`, false);
    }
    if (size !== undefined && got.total !== undefined && got.total !== size) {
      void response.body?.cancel().catch(() => {});
      throw loaderError(
        'MODEL_FORMAT',
        where,
        `the file is now ${got.total} bytes, not ${size}: it changed on the server`,
        {
          expected: size,
          actual: got.total,
        },
      );
    }
    return start;
  }
  if (response.status === 200) {
    // The server ignores Range: the body is the whole file. Accepted (bytes before `start` are skipped).
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    if (size !== undefined && Number.isSafeInteger(length) && length !== size) {
      void response.body?.cancel().catch(() => {});
      throw loaderError('MODEL_FORMAT', where, `the server sends ${length} bytes, the file had ${size}`, {
        expected: size,
        actual: length,
      });
    }
    return 0;
  }
  void response.body?.cancel().catch(() => {});
  throw statusError(where, response, `request for ${range}`);
}

async function* pieces(where: Where, reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal | undefined) {
  for (;;) {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch (cause) {
      if (signal?.aborted) throw abortedError(where, cause);
      throw networkError(where, `connection lost: ${String(cause)}`, true, {}, cause);
    }
    if (result.done) return;
    yield result.value;
  }
}

function statusError(where: Where, response: Response, what: string) {
  const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
  return networkError(where, `${what} failed: HTTP ${response.status} ${response.statusText}`.trim(), retryable, {
    status: response.status,
  });
}

/** `Content-Range: bytes start-end/total` (total may be `*`). */
function contentRange(response: Response): { start: number; total: number | undefined } | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  if (!match) return undefined;
  return { start: Number(match[1]), total: match[2] === '*' ? undefined : Number(match[2]) };
}
