export { createBrowserGpuContext } from './browser.ts';
export { BufferPool } from './buffer-pool.ts';
export type { AdapterDescription, Capabilities } from './capabilities.ts';
export { describeAdapter, probeCapabilities } from './capabilities.ts';
export type { GpuContextOptions } from './context.ts';
export { align, createContextOnAdapter, createGpuContext, GpuContext, MapMode, Usage } from './context.ts';
export type { Binding, Dispatch, UniformWord } from './dispatch.ts';
export {
  disposeDispatch,
  encodeDispatches,
  grid,
  prepareDispatch,
  requireBytes,
  requirePositiveInt,
  runDispatches,
  uniformBuffer,
} from './dispatch.ts';
export { gpuErrorToRuntimeError, withErrorScopes } from './errors.ts';
export type { RmsNormArgs } from './ops/norm.ts';
export { rmsNorm } from './ops/norm.ts';
export { cacheKey, PipelineCache } from './pipeline-cache.ts';
export type { StepValues } from './step.ts';
export { STEP_BYTES, StepBuffer } from './step.ts';
export { GpuTimer } from './timer.ts';
export type { GpuWeights } from './weights.ts';
export { disposeWeights, uploadWeights } from './weights.ts';
