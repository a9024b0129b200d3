/**
 * Who may call: the API key (`Authorization: Bearer KEY`, compared in
 * constant time) and, for browsers, CORS headers for one configured origin.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { HttpError } from './errors.ts';

export function checkApiKey(headers: IncomingHttpHeaders, apiKey: string | undefined): void {
  if (apiKey === undefined) return;
  const given = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1]?.trim();
  if (given === undefined) {
    throw unauthorized("missing API key: send the header 'Authorization: Bearer <key>'");
  }
  // Hashing first makes the lengths equal, so the comparison leaks neither length nor content.
  if (!timingSafeEqual(sha256(given), sha256(apiKey))) throw unauthorized('incorrect API key');
}

/** Headers every response carries when CORS is on (`origin` may be '*'). */
export function corsHeaders(origin: string | undefined): OutgoingHttpHeaders {
  if (origin === undefined) return {};
  return { 'access-control-allow-origin': origin, ...(origin === '*' ? {} : { vary: 'Origin' }) };
}

/** A preflight's answer: what the browser may send to `allow` methods. */
export function preflightHeaders(origin: string, allow: readonly string[]): OutgoingHttpHeaders {
  return {
    ...corsHeaders(origin),
    'access-control-allow-methods': [...allow, 'OPTIONS'].join(', '),
    'access-control-allow-headers': 'Authorization, Content-Type',
    'access-control-max-age': '600',
  };
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, 'invalid_api_key', message, { headers: { 'www-authenticate': 'Bearer' } });
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
