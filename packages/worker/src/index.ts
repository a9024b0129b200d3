/**
 * @webseek/worker on the page: the engine's API answered by a Web Worker.
 * The worker script imports '@webseek/worker/host'; the web-llm-compatible
 * layer is '@webseek/worker/webllm'. This entry imports no engine code.
 */
export { createWorkerEngine, WorkerEngine, type WorkerEngineOptions, type WorkerLike } from './client.ts';
export { fromWireError, registerErrorTransfer, toWireError, type WireError } from './errors.ts';
export type { EngineRpc, HostEvents, StreamMessage, WireReloadOptions, WorkerModelSource } from './protocol.ts';
