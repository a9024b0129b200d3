export type { AttentionShape } from './attention.ts';
export { attention, packF16Pairs, roundToF16 } from './attention.ts';
export type { Mismatch, Tolerance } from './compare.ts';
export { findMismatch } from './compare.ts';
export { dequantizeMatrix } from './dequant.ts';
export { add, silu, splitGateUp, swiglu } from './elementwise.ts';
export { embedRows } from './embed.ts';
export type { ReferenceConfig, ReferenceLayer, ReferenceWeights } from './forward.ts';
export { referenceLogits } from './forward.ts';
export { matMul, matMulAbs } from './matmul.ts';
export { matVec, matVecAbs } from './matvec.ts';
export { rmsNorm } from './norm.ts';
export { applyPenalties } from './penalty.ts';
export { randomBytes, rng, uniform } from './random.ts';
export { randomGgufTensor } from './random-weights.ts';
export type { RopePairing, RopeShape } from './rope.ts';
export { rope } from './rope.ts';
export type { Sampled, SamplerSettings } from './sample.ts';
export {
  argmax,
  drawQ24,
  exp2Table,
  log2eOverTemperature,
  pcgHash,
  SAMPLER_KEEP_CAP,
  sample,
  samplerWeight,
  samplingActive,
} from './sample.ts';
