/**
 * Errors at the HTTP edge, in OpenAI's shape `{error: {message, type, param, code}}`.
 * An HttpError is something only HTTP can get wrong (path, method, body, key);
 * a RuntimeError keeps its message and gets its status from one table; anything
 * else is a 500 whose message says nothing about our insides (the log has it).
 */
import { type ErrorCode, isRuntimeError } from '@webseek/api';

export type OpenAiErrorType = 'invalid_request_error' | 'server_error';

export interface OpenAiError {
  error: { message: string; type: OpenAiErrorType; param: string | null; code: string | null };
}

export interface ErrorReply {
  status: number;
  body: OpenAiError;
  headers: Record<string, string>;
}

/** Something the HTTP request itself got wrong, with its status and wire code. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly options: { param?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }
}

/**
 * Every RuntimeError code → HTTP status and the `code` clients see. The
 * client's fault is 4xx; the device or model being unusable is 503 (try
 * again later or elsewhere); a broken model file or kernel is 500.
 */
const BY_CODE = {
  INVALID_ARGUMENT: [400, 'invalid_argument'],
  // OpenAI's own code for this, which clients already look for.
  CONTEXT_OVERFLOW: [400, 'context_length_exceeded'],
  // Mostly a template's raise_exception over the messages (roles out of order).
  TEMPLATE: [400, 'template_error'],
  MODEL_NOT_LOADED: [503, 'model_not_loaded'],
  DEVICE_LOST: [503, 'device_lost'],
  GPU_UNAVAILABLE: [503, 'gpu_unavailable'],
  GPU_OOM: [503, 'gpu_out_of_memory'],
  QUOTA_EXCEEDED: [503, 'quota_exceeded'],
  WORKER_LOST: [503, 'worker_lost'],
  ABORTED: [503, 'aborted'],
  NETWORK: [502, 'network_error'],
  UNSUPPORTED_KERNEL: [500, 'unsupported_kernel'],
  UNSUPPORTED_QUANT: [500, 'unsupported_quant'],
  UNSUPPORTED_ARCH: [500, 'unsupported_arch'],
  MODEL_FORMAT: [500, 'model_format'],
  GPU_VALIDATION: [500, 'gpu_validation'],
  GPU_INTERNAL: [500, 'gpu_internal'],
  INTERNAL: [500, 'internal_error'],
} as const satisfies Record<ErrorCode, readonly [number, string]>;

export function errorReply(error: unknown): ErrorReply {
  if (error instanceof HttpError) {
    return reply(error.status, error.code, error.message, error.options.param ?? null, error.options.headers);
  }
  if (isRuntimeError(error)) {
    const [status, code] = BY_CODE[error.code];
    const field = error.details['field'];
    return reply(status, code, error.message, typeof field === 'string' ? field : null);
  }
  return reply(500, 'internal_error', 'internal server error (the server log has the details)', null);
}

/** Status for a RuntimeError code, for callers that log or test the table. */
export function statusOf(code: ErrorCode): number {
  return BY_CODE[code][0];
}

function reply(
  status: number,
  code: string,
  message: string,
  param: string | null,
  headers: Record<string, string> = {},
): ErrorReply {
  const type: OpenAiErrorType = status >= 500 ? 'server_error' : 'invalid_request_error';
  return { status, body: { error: { message, type, param, code } }, headers };
}
