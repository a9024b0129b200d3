export type { ErrorCode, RuntimeErrorOptions } from './errors.ts';
export { ERROR_CODES, isRuntimeError, RuntimeError } from './errors.ts';
export type * from './openai.ts';
