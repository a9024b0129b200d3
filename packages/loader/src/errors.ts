/** The loader's errors: each names the model id and, where there is one, the URL. */
import { type ErrorCode, isRuntimeError, RuntimeError } from '@webseek/api';

export interface Where {
  id: string;
  url: string;
}

export function loaderError(
  code: ErrorCode,
  where: Where,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): RuntimeError {
  const from = where.url && where.url !== where.id ? ` (${where.url})` : '';
  return new RuntimeError(code, `model ${where.id}${from}: ${message}`, {
    details: { id: where.id, url: where.url, ...details },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** NETWORK; `retryable` marks failures a later attempt may get past (dropped connections, 5xx). */
export function networkError(
  where: Where,
  message: string,
  retryable: boolean,
  details: Record<string, unknown> = {},
  cause?: unknown,
) {
  return loaderError('NETWORK', where, message, { ...details, retryable }, cause);
}

export function abortedError(where: Where, cause?: unknown): RuntimeError {
  return loaderError('ABORTED', where, 'download aborted', {}, cause);
}

export function isRetryable(error: unknown): boolean {
  return isRuntimeError(error, 'NETWORK') && error.details['retryable'] === true;
}

export function throwIfAborted(where: Where, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(where, signal.reason);
}

/** MiB with one decimal, for messages. */
export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
