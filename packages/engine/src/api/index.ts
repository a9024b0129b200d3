export { Engine, type EngineOptions } from './engine.ts';
export type { GenerationResult, LoadedModel, PreparedPrompt } from './generation.ts';
export { KvPrefix } from './prefix.ts';
export { LoadMeter } from './progress.ts';
export { ChunkQueue } from './queue.ts';
export {
  checkContext,
  checkMessages,
  type GenerationDefaults,
  type GenerationPlan,
  MAX_STOP_STRINGS,
  planGeneration,
} from './request.ts';
export { Scheduler } from './scheduler.ts';
export {
  closeSource,
  type EngineSource,
  type FetchProgress,
  isByteSource,
  type OpenOptions,
  openEngineSource,
  openUncached,
  type SourceOpener,
} from './source.ts';
export { StopMatcher, type StopPush } from './stop.ts';
export { type TextDelta, TextPipeline } from './text.ts';
export type {
  ChatCompletionsApi,
  CompletionsApi,
  EngineApi,
  EngineInfo,
  ModelInfo,
  ReloadOptions,
} from './types.ts';
