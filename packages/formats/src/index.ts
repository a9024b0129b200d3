export type { GgmlTypeInfo, GgmlTypeName } from './ggml.ts';
export {
  bf16ToF32,
  dequantize,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  GGML_TYPE,
  GGML_TYPES,
  ggmlBytes,
  ggmlType,
  QK_K,
  scaleMinK4,
} from './ggml.ts';
// GGUF reader/writer (the Node file source is imported by path: ./gguf/node-source.ts).
export * from './gguf/index.ts';
// Reference quantizers, bit-exact with ggml's quantize_row_*_ref (f32 → GGUF tensor bytes).
export { quantize } from './quant/index.ts';
// Synthetic models (llama.cpp-shaped GGUF with deterministic random weights); the Node maker is ./synthetic-node.ts.
export * from './synthetic/index.ts';
