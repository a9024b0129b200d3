/**
 * Making the weights: each tensor's f32 values from (seed, name) (random.ts),
 * encoded with the reference quantizers. Quantization is row-local, so any row
 * range encodes alone to exactly its slice of the whole tensor's bytes — the
 * Node maker (synthetic-node.ts) splits big tensors across worker threads and
 * still writes the file makeSyntheticModel would.
 */
import { RuntimeError } from '@webseek/api';
import { dequantize, GGML_TYPES, type GgmlTypeName } from '../ggml.ts';
import type { GgufValueInput } from '../gguf/value.ts';
import { type GgufWriteSpec, type GgufWriteTensor, writeGguf } from '../gguf/writer.ts';
import { quantize } from '../quant/quantize.ts';
import { type PlannedTensor, planSyntheticModel, type SyntheticPlan } from './plan.ts';
import { fillGaussian, tensorKey } from './random.ts';
import type { SyntheticSpec } from './spec.ts';

/** A model ready for writeGguf: metadata entries and tensors with their bytes. */
export interface SyntheticModel extends GgufWriteSpec {
  metadata: [key: string, value: GgufValueInput][];
  tensors: GgufWriteTensor[];
}

/** What a worker needs to encode rows of one tensor (structured-clone safe). */
export type TensorRecipe = Pick<PlannedTensor, 'name' | 'shape' | 'type' | 'init'>;

/** Rows (ne1·ne2·ne3) of a tensor. */
export function tensorRows(t: Pick<PlannedTensor, 'shape'>): number {
  return t.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** The f32 values of rows [r0, r1) of `t`: (r1 - r0, ne0) row-major. */
export function tensorValues(t: TensorRecipe, seed: number, r0: number, r1: number): Float32Array {
  const ne0 = t.shape[0]!;
  if (t.init.kind === 'values') return t.init.values.slice(r0 * ne0, r1 * ne0);
  const out = new Float32Array((r1 - r0) * ne0);
  fillGaussian(out, tensorKey(seed, t.name), r0 * ne0, t.init.mean, t.init.std);
  return out;
}

/** The GGUF bytes of rows [r0, r1) of `t` in its type. */
export function encodeTensorRows(t: TensorRecipe, seed: number, r0: number, r1: number): Uint8Array {
  return quantize(quantizableType(t), tensorValues(t, seed, r0, r1), t.shape[0]!, r1 - r0);
}

function quantizableType(t: TensorRecipe): GgmlTypeName {
  const info = GGML_TYPES.find((g) => g.name === t.type);
  if (!info) {
    throw new RuntimeError(
      'UNSUPPORTED_QUANT',
      `synthetic model: ${t.name} is planned as ${t.type}, which @webseek/formats cannot quantize (llama.cpp's mix picks it for this shape)`,
      { details: { tensor: t.name, type: t.type } },
    );
  }
  return info.name;
}

/** The whole model in memory (tiny and small models; big ones stream through synthetic-node.ts). */
export function makeSyntheticModel(spec: SyntheticSpec): SyntheticModel {
  const plan = planSyntheticModel(spec);
  const tensors = plan.tensors.map((t) => ({
    name: t.name,
    shape: t.shape,
    type: t.type,
    data: encodeTensorRows(t, spec.seed, 0, tensorRows(t)),
  }));
  return { metadata: plan.metadata, tensors };
}

/** general.file_type → ALL_F32; everything else as it was. */
export function twinMetadata(metadata: SyntheticModel['metadata']): SyntheticModel['metadata'] {
  return metadata.map(([k, v]) => (k === 'general.file_type' ? [k, { type: 'u32', value: 0 }] : [k, v]));
}

/** The F32 twin: the same tensors, each holding the dequantized values of `model`'s bytes, typed F32. */
export function makeF32Twin(model: SyntheticModel): SyntheticModel {
  const tensors = model.tensors.map((t) => {
    const count = t.shape.reduce((a, b) => a * b, 1);
    const values = dequantize(t.type as GgmlTypeName, t.data, count);
    return { name: t.name, shape: t.shape, type: 'f32', data: new Uint8Array(values.buffer) };
  });
  return { metadata: twinMetadata(model.metadata), tensors };
}

/** The twin's plan: every tensor F32. */
export function twinPlan(plan: SyntheticPlan): SyntheticPlan {
  const tensors = plan.tensors.map((t) => ({ ...t, type: 'f32', bytes: 4 * tensorCount(t) }));
  return {
    ...plan,
    fileType: 0,
    metadata: twinMetadata(plan.metadata),
    tensors,
    tensorBytes: tensors.reduce((n, t) => n + t.bytes, 0),
  };
}

function tensorCount(t: Pick<PlannedTensor, 'shape'>): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

/**
 * The GGUF header (magic … tensor infos, padded to the alignment) of a plan,
 * exactly as writeGguf writes it; tensor data then follows, each tensor padded
 * to 32 bytes. writeGguf only reads each tensor's byteLength, so it is given
 * empty arrays that report the planned size instead of gigabytes of zeros.
 */
export function syntheticGgufHeader(plan: {
  metadata: SyntheticModel['metadata'];
  tensors: readonly Pick<PlannedTensor, 'name' | 'shape' | 'type' | 'bytes'>[];
}): Uint8Array {
  const tensors = plan.tensors.map((t) => ({
    name: t.name,
    shape: t.shape,
    type: t.type,
    data: Object.defineProperty(new Uint8Array(0), 'byteLength', { value: t.bytes }),
  }));
  return writeGguf({ metadata: plan.metadata, tensors })[0]!;
}

/** GGUF's default data alignment, which synthetic files use. */
export const SYNTHETIC_ALIGNMENT = 32;
