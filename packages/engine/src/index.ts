export * from './api/index.ts';
export type { Arch, ModelConfig } from './config.ts';
export { configFromGguf, SUPPORTED_ARCHS } from './config.ts';
export type { Activations, KvCache, StepGraph } from './graph.ts';
export { buildStepGraph } from './graph.ts';
export type { DeviceBudget, KvDtype, MemoryPlan, SessionShape } from './memory.ts';
export { checkMemory, kvCacheBytes, planMemory, scratchBytes } from './memory.ts';
export type { LoadModelOptions } from './model.ts';
export { loadModel, Model } from './model.ts';
export type { PenaltySettings } from './penalties.ts';
export type { GeneratedToken, GenerateOptions, StepCounters } from './session.ts';
export { mixSeed, Session, topK } from './session.ts';
export type {
  GateUpWeights,
  LayerWeights,
  LoadProgress,
  ModelWeights,
  QkvGroup,
  QkvOutput,
  QkvWeights,
} from './weights.ts';
export { checkTensors, disposeModelWeights, expectedTensors, layerMatrices, loadWeights } from './weights.ts';
