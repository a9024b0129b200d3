// GGUF reading and writing. The Node file source lives in ./node-source.ts and
// is deliberately not re-exported here (browser bundles must not see node:fs).
export type { GgmlLayout } from './layout.ts';
export { ggmlLayout, ggmlLayoutId, ggmlLayoutIds } from './layout.ts';
export type { GgufTensor, ReadGgufOptions } from './reader.ts';
export { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, Gguf, readGguf } from './reader.ts';
export type { ByteSource, UrlSourceOptions } from './source.ts';
export { blobSource, bytesSource, urlSource } from './source.ts';
export type {
  GgufArray,
  GgufArrayInput,
  GgufArrayItemType,
  GgufArrayValues,
  GgufValue,
  GgufValueInput,
  GgufValueType,
} from './value.ts';
export { GGUF_VALUE_TYPES } from './value.ts';
export type { GgufWriteSpec, GgufWriteTensor } from './writer.ts';
export { concatBytes, writeGguf } from './writer.ts';
