/**
 * Errors across the worker boundary keep their class, `code` and `details`.
 * Comlink's own transfer of a thrown value keeps only name, message and
 * stack; the 'throw' handler is replaced (on both sides, by importing this
 * module) with one that rebuilds a RuntimeError. Stream errors, which travel
 * in our own port messages, use the same wire form.
 */
import { ERROR_CODES, type ErrorCode, RuntimeError } from '@webseek/api';
import { type TransferHandler, transferHandlers } from 'comlink';

/** A thrown value as structured-clone data. */
export interface WireError {
  kind: 'runtime' | 'error' | 'value';
  name?: string;
  message?: string;
  code?: string;
  details?: Record<string, unknown>;
  stack?: string;
  value?: unknown;
}

export function toWireError(value: unknown): WireError {
  if (value instanceof RuntimeError) {
    return {
      kind: 'runtime',
      message: value.message,
      code: value.code,
      details: cloneable(value.details),
      ...(value.stack ? { stack: value.stack } : {}),
    };
  }
  if (value instanceof Error) {
    return { kind: 'error', name: value.name, message: value.message, ...(value.stack ? { stack: value.stack } : {}) };
  }
  return { kind: 'value', value: cloneable(value) };
}

export function fromWireError(wire: WireError): unknown {
  if (wire.kind === 'runtime') {
    const code = ERROR_CODES.find((c) => c === wire.code) ?? 'INTERNAL';
    const error = new RuntimeError(code as ErrorCode, wire.message ?? '', { details: wire.details ?? {} });
    if (wire.stack) error.stack = `${wire.stack}\n    (in the worker)`;
    return error;
  }
  if (wire.kind === 'error') {
    const error = new Error(wire.message);
    error.name = wire.name ?? 'Error';
    if (wire.stack) error.stack = wire.stack;
    return error;
  }
  return wire.value;
}

/** Details are plain facts (numbers, strings); anything structured clone cannot carry becomes text. */
function cloneable<T>(value: T): T {
  try {
    structuredClone(value);
    return value;
  } catch {
    return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) ?? 'null');
  }
}

let registered = false;

/** Installs the RuntimeError-preserving 'throw' handler (idempotent; done on import). */
export function registerErrorTransfer(): void {
  if (registered) return;
  const original = transferHandlers.get('throw');
  if (!original) throw new Error("comlink has no 'throw' transfer handler to replace");
  const handler: TransferHandler<unknown, WireError> = {
    // Comlink marks thrown values with a private symbol: keep its own test for them.
    canHandle: original.canHandle,
    serialize: (thrown) => [toWireError((thrown as { value: unknown }).value), []],
    deserialize: (wire) => {
      throw fromWireError(wire);
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
  registered = true;
}

registerErrorTransfer();
