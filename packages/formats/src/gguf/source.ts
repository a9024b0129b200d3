/**
 * Random-access byte sources. The GGUF reader reads through these and never
 * asks for the whole file: a header is a few MB, the weights are GBs.
 */
import { RuntimeError } from '@webseek/api';

export interface ByteSource {
  /** Names the file in error messages (a path, URL or file name). */
  readonly name: string;
  /** Total bytes. */
  readonly size: number;
  /**
   * `length` bytes from `offset`; the result has exactly that length (it may
   * alias the source's memory: do not write to it).
   */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Throws INVALID_ARGUMENT unless [offset, offset + length) lies within `size`. */
export function checkRange(name: string, size: number, offset: number, length: number): void {
  const ok = Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0;
  if (!ok || offset + length > size) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `${name}: read of ${length} bytes at ${offset} is outside its ${size} bytes`,
      {
        details: { file: name, offset, length, size },
      },
    );
  }
}

/** A source over bytes already in memory; reads are views, not copies. */
export function bytesSource(bytes: Uint8Array, name = 'bytes'): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    read: async (offset, length) => {
      checkRange(name, bytes.byteLength, offset, length);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** A source over a Blob or File (browser file picker, IndexedDB); each read slices the blob. */
export function blobSource(blob: Blob, name = (blob as Partial<File>).name || 'blob'): ByteSource {
  return {
    name,
    size: blob.size,
    read: async (offset, length) => {
      checkRange(name, blob.size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

export interface UrlSourceOptions {
  /** Defaults to the URL. */
  name?: string;
  /** Known size: skips the probe request. */
  size?: number;
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Injected fetch (defaults to the global one). */
  fetch?: typeof fetch;
}

/**
 * A source over an HTTP(S) URL, read with Range requests. The size comes from
 * a `bytes=0-0` probe's Content-Range (or HEAD's Content-Length when CORS hides
 * Content-Range). A server that answers a range with the whole body is refused
 * (NETWORK) rather than downloaded.
 */
export async function urlSource(url: string, options: UrlSourceOptions = {}): Promise<ByteSource> {
  const name = options.name ?? url;
  const get = options.fetch ?? fetch;
  const request = (range: string) =>
    rangeFetch(get, url, name, range, { headers: { ...options.headers, Range: range }, signal: options.signal });
  const size = options.size ?? (await probeSize(get, url, name, options, request));
  return {
    name,
    size,
    read: async (offset, length) => {
      checkRange(name, size, offset, length);
      if (length === 0) return new Uint8Array(0);
      const range = `bytes=${offset}-${offset + length - 1}`;
      const response = await request(range);
      const start = contentRange(response)?.start;
      if (start !== undefined && start !== offset) {
        await response.body?.cancel();
        throw networkError(name, `asked for ${range}, the server sent bytes from ${start}`);
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.byteLength !== length) {
        throw networkError(name, `asked for ${range} (${length} bytes), received ${bytes.byteLength} bytes`);
      }
      return bytes;
    },
  };
}

async function probeSize(
  get: typeof fetch,
  url: string,
  name: string,
  options: UrlSourceOptions,
  request: (range: string) => Promise<Response>,
): Promise<number> {
  const response = await request('bytes=0-0');
  await response.body?.cancel();
  const total = contentRange(response)?.total;
  if (total !== undefined) return total;
  const head = await get(url, { method: 'HEAD', headers: options.headers, signal: options.signal });
  const length = Number(head.headers.get('content-length') ?? Number.NaN);
  if (head.ok && Number.isSafeInteger(length)) return length;
  throw networkError(
    name,
    'cannot learn the file size: no Content-Range on a range response and no Content-Length on HEAD',
  );
}

async function rangeFetch(
  get: typeof fetch,
  url: string,
  name: string,
  range: string,
  init: RequestInit,
): Promise<Response> {
  let response: Response;
  try {
    response = await get(url, init);
  } catch (cause) {
    throw new RuntimeError('NETWORK', `${name}: request for ${range} failed: ${String(cause)}`, {
      cause,
      details: { file: name, range },
    });
  }
  if (response.status === 206) return response;
  await response.body?.cancel();
  if (response.status === 200) {
    throw networkError(
      name,
      `the server ignored the Range request (${range}) and answered 200 with the whole file; ` +
        'GGUF models are read in parts, so the server must support HTTP Range requests (206 Partial Content)',
    );
  }
  throw networkError(name, `request for ${range} failed: HTTP ${response.status} ${response.statusText}`);
}

/** `Content-Range: bytes start-end/total` (total may be `*`). */
function contentRange(response: Response): { start: number; total: number | undefined } | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  if (!match) return undefined;
  return { start: Number(match[1]), total: match[2] === '*' ? undefined : Number(match[2]) };
}

function networkError(name: string, message: string): RuntimeError {
  return new RuntimeError('NETWORK', `${name}: ${message}`, { details: { file: name } });
}
