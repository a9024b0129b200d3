export type { AttentionDecodeKey, AttentionKey, KvCacheDtype, KvWriteKey } from './attention/attention.ts';
export {
  ATTENTION,
  attentionCombineKernel,
  attentionDecodeKernel,
  attentionPrefillKernel,
  decodeGroupHeads,
  decodeMaxSplits,
  kvBytesPerValue,
  kvCachePart,
  kvWriteKernel,
  prefillKeysPerTile,
} from './attention/attention.ts';
export { streamReadKernel } from './bench/bench.ts';
export type { DequantKey } from './common/dequant.ts';
export { dequantKernel, dequantThreads } from './common/dequant.ts';
export { reductionPart } from './common/reduce.ts';
export { default as stepStruct } from './common/step.wgsl?raw';
export type { RepackedWeights, WeightFormat, WeightType } from './common/weights.ts';
export {
  checkRaw,
  checkShape,
  ggufBytes,
  registerWeightFormat,
  supportedWeightTypes,
  WEIGHT_TYPES,
  weightFormat,
  weightFormatOfGgml,
} from './common/weights.ts';
export type { ComposeOptions, KernelSource, Precision } from './compose.ts';
export { composeWgsl, variantLabel } from './compose.ts';
export type { AddKey, ElementWidth, SwigluKey } from './elementwise/elementwise.ts';
export { addKernel, ELEMENTWISE, elementWidth, swigluKernel } from './elementwise/elementwise.ts';
export type { EmbedKey } from './embed/embed.ts';
export { embedKernel } from './embed/embed.ts';
export type { Epilogue, MatMulKey, MatMulTile, Split } from './matmul/matmul.ts';
export {
  epilogueOf,
  epiloguePart,
  matMulKernel,
  matMulSharedBytes,
  matMulTile,
  splitConstants,
} from './matmul/matmul.ts';
export type { MatVecKey } from './matmul/matvec.ts';
export {
  MATVEC_DEFAULTS,
  MATVEC_MAX_ROWS,
  matVecKernel,
  matVecWorkgroupSize,
  matVecWorkgroups,
} from './matmul/matvec.ts';
export type { RmsNormKey } from './norm/norm.ts';
export { rmsNormKernel } from './norm/norm.ts';
export type { RopeKey, RopePairing } from './rope/rope.ts';
export { ROPE, ropeKernel, ropeTurns } from './rope/rope.ts';
export { PENALTY_WG, penaltyCountKernel, penaltyKernel } from './sample/penalty.ts';
export type { ArgmaxFinalKey, ArgmaxKey } from './sample/sample.ts';
export {
  argmaxFinalKernel,
  argmaxPartialsKernel,
  exp2Table,
  SAMPLE,
  sampleFinalKernel,
  sampleGatherKernel,
  sampleGrid,
} from './sample/sample.ts';
