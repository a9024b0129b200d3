/**
 * Request bodies: JSON only, at most `limit` bytes, UTF-8. A body over the
 * limit is refused from its Content-Length when it has one, else as soon as
 * the count passes the limit; the rest is read and dropped (not reset) so
 * the client still gets the 413.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.ts';
import { parseJsonText } from './json.ts';

export const DEFAULT_MAX_BODY_BYTES = 4 * 2 ** 20;

/** The body as a JSON object (never an array, string or number). */
export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  checkContentType(req.headers['content-type']);
  const value = parseJsonText(decodeUtf8(await readBody(req, limit)));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new HttpError(400, 'invalid_json', `request body must be a JSON object, got ${kind}`);
  }
  return value as Record<string, unknown>;
}

/** application/json, or a +json type (charset, if given, must be UTF-8). */
export function checkContentType(header: string | undefined): void {
  const [type = '', ...params] = (header ?? '').split(';').map((p) => p.trim().toLowerCase());
  const json = type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  if (json && (charset === undefined || charset.replace(/"/g, '') === 'utf-8')) return;
  const got = header === undefined ? 'no Content-Type' : `Content-Type '${header}'`;
  throw new HttpError(
    415,
    'unsupported_media_type',
    `request body must be JSON sent as 'Content-Type: application/json' (UTF-8), got ${got}`,
  );
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit, `Content-Length ${declared}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return;
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        chunks.length = 0;
        reject(tooLarge(limit, `more than ${limit} bytes`));
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    // A client that hangs up mid-body: nobody is left to answer, but the handler must still end.
    req.on('close', () => reject(new HttpError(400, 'incomplete_body', 'the client closed the request mid-body')));
  });
}

function tooLarge(limit: number, got: string): HttpError {
  return new HttpError(413, 'request_too_large', `request body is over the limit of ${limit} bytes (${got})`, {
    headers: { connection: 'close' },
  });
}

function decodeUtf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid UTF-8');
  }
}
