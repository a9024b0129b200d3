export { reductionPart } from './common/reduce.ts';
export type { ComposeOptions, KernelSource, Precision } from './compose.ts';
export { composeWgsl, variantLabel } from './compose.ts';
export type { RmsNormKey } from './norm/norm.ts';
export { rmsNormKernel } from './norm/norm.ts';
