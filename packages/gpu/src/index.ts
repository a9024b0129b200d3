export type { KvCacheDtype } from '@webseek/kernels';
export { measureStreamReadGbps } from './bandwidth.ts';
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
export type {
  AttentionDecodeArgs,
  AttentionPrefillArgs,
  AttentionShape,
  KvCacheShape,
  KvWriteArgs,
} from './ops/attention.ts';
export {
  attentionBytesRead,
  attentionDecode,
  attentionDecodeScratchBytes,
  attentionPrefill,
  kvWrite,
} from './ops/attention.ts';
export type { AddArgs, SwigluArgs } from './ops/elementwise.ts';
export { add, swiglu } from './ops/elementwise.ts';
export type { DequantWeightsArgs, EmbedRowsArgs } from './ops/embed.ts';
export { dequantWeights, embedRows } from './ops/embed.ts';
export type { MatMulArgs } from './ops/matmul.ts';
export { matMul, matMulFlops } from './ops/matmul.ts';
export type { MatVecArgs } from './ops/matvec.ts';
export { matVec, requireWeights } from './ops/matvec.ts';
export type { RmsNormArgs } from './ops/norm.ts';
export { rmsNorm } from './ops/norm.ts';
export type { CountTokenArgs, PenalizeArgs, PenaltyValues } from './ops/penalty.ts';
export {
  countToken,
  PENALTY_PARAMS_BYTES,
  penalize,
  penaltyParamsBuffer,
  writePenaltyParams,
} from './ops/penalty.ts';
export type { Llama3RopeScaling, RopeArgs, RopeKvArgs } from './ops/rope.ts';
export { llama3RopeFactors, rope, ropeKv } from './ops/rope.ts';
export type { ArgmaxArgs, SampleArgs } from './ops/sample.ts';
export { argmax, sample } from './ops/sample.ts';
export type { SplitOutputs } from './ops/split.ts';
export { cacheKey, PipelineCache } from './pipeline-cache.ts';
export type { StepValues } from './step.ts';
export { STEP_BYTES, StepBuffer } from './step.ts';
export { GpuTimer } from './timer.ts';
export type { Timing } from './timing.ts';
export { median, timeDispatches } from './timing.ts';
export type { GgufMatrix, GpuWeights, ReadRows } from './weights.ts';
export { canStack, disposeWeights, uploadGgufStack, uploadGgufWeights, uploadWeights } from './weights.ts';
