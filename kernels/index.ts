export { reductionPart } from './common/reduce.ts';
export { default as stepStruct } from './common/step.wgsl?raw';
export type { RepackedWeights, WeightFormat, WeightType } from './common/weights.ts';
export {
  checkRaw,
  ggufBytes,
  registerWeightFormat,
  supportedWeightTypes,
  WEIGHT_TYPES,
  weightFormat,
} from './common/weights.ts';
export type { ComposeOptions, KernelSource, Precision } from './compose.ts';
export { composeWgsl, variantLabel } from './compose.ts';
export type { RmsNormKey } from './norm/norm.ts';
export { rmsNormKernel } from './norm/norm.ts';
export { streamReadKernel } from './bench/bench.ts';
