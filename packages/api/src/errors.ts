/**
 * The one error type webseek throws. `code` is stable (callers and the HTTP
 * edge switch on it); `message` names the file, tensor, field or parameter.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'UNSUPPORTED_KERNEL',
  'UNSUPPORTED_QUANT',
  'UNSUPPORTED_ARCH',
  'MODEL_FORMAT',
  'CONTEXT_OVERFLOW',
  'GPU_UNAVAILABLE',
  'GPU_VALIDATION',
  'GPU_OOM',
  'GPU_INTERNAL',
  'DEVICE_LOST',
  'QUOTA_EXCEEDED',
  'NETWORK',
  'ABORTED',
  'INTERNAL',
  /** A chat template failed to parse or render (message names the cause). */
  'TEMPLATE',
  /** A generation request or model query reached an engine with no model loaded (call reload first). */
  'MODEL_NOT_LOADED',
  /** The Web Worker running the engine crashed or was terminated; make a new one. */
  'WORKER_LOST',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface RuntimeErrorOptions {
  cause?: unknown;
  /** Structured facts for programs (tensor name, bytes needed, …); kept across the worker boundary. */
  details?: Record<string, unknown>;
}

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: RuntimeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isRuntimeError(value: unknown, code?: ErrorCode): value is RuntimeError {
  return value instanceof RuntimeError && (code === undefined || value.code === code);
}
