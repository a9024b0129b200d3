// Synthetic models: llama.cpp-shaped GGUF files with deterministic random weights.
// Pure (no fs, no GPU); the Node maker (workers, streaming, cache) is ../synthetic-node.ts.
export type { SyntheticModel, TensorRecipe } from './make.ts';
export {
  encodeTensorRows,
  makeF32Twin,
  makeSyntheticModel,
  SYNTHETIC_ALIGNMENT,
  syntheticGgufHeader,
  tensorRows,
  tensorValues,
  twinMetadata,
  twinPlan,
} from './make.ts';
export type { PlannedTensor, SyntheticPlan, TensorInit } from './plan.ts';
export { DEFAULT_OUTPUT_SCALE, FILE_TYPES, llama3RopeFactors, planSyntheticModel, vocabularyOf } from './plan.ts';
export type { MixContext, TensorCategory } from './quant-mix.ts';
export { q4KmType, tensorCategory, tensorType, useMoreBits } from './quant-mix.ts';
export { fillGaussian, tensorKey } from './random.ts';
export type {
  DistillId,
  Llama3RopeScaling,
  ResolvedDims,
  SyntheticArch,
  SyntheticDims,
  SyntheticSpec,
  SyntheticType,
} from './spec.ts';
export { DISTILL_SHAPES, resolveDims, SYNTHETIC_TYPES } from './spec.ts';
export type { HfTokenizerFiles, SyntheticVocabulary } from './vocab.ts';
export {
  GGUF_TOKEN_TYPE,
  ggufTokenizerFromHf,
  padVocabulary,
  R1_BOS,
  R1_EOS,
  r1DistillLlamaFiles,
  r1DistillQwenFiles,
} from './vocab.ts';
export { TINY_MERGES, TINY_MIN_VOCAB, tinyVocabulary } from './vocab-tiny.ts';
