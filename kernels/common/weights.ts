/**
 * The GPU layout of every weight type, next to its WGSL decoder.
 *
 * GGUF stores a 2-D weight as N rows of K values (K contiguous), in ggml blocks
 * (`ggml-common.h`). At upload we repack each type into u32-aligned words that
 * suit the GPU, so that every decoder answers one question the same way:
 *
 *   fn w_decode8(g8: u32) -> W8   // values 8*g8 .. 8*g8+7, g8 = row * K8 + k / 8
 *
 * with K8 = ceil(K / 8) chunks per row (float rows are zero-padded to a multiple
 * of 8; quantized rows are whole blocks, so K8 = K / 8). Bindings, declared by
 * the decoder part: @binding(0) w_q (quant words), @binding(1) w_s (scales; only
 * for block-quantized types). Their element type (u32, vec2<u32>, vec4<u32>) is
 * the decoder's business: kernels read weights only through w_decode8 and start
 * their own bindings at 2. Each <type>.wgsl documents its layout at the top.
 *
 * Underneath, each type's WGSL defines only its quant accessors in affine form,
 * w_quant8 (8 values) and w_quant32 (32 values, one 16-byte load for q4 types),
 * with value = q · scale - sub; quant.wgsl turns them into the one w_decode8
 * every kernel shares, and matvec defers the scaling (see quant.wgsl).
 */
import { RuntimeError } from '@webseek/api';
import { bf16Format } from './bf16.ts';
import { f16Format } from './f16.ts';
import { f32Format } from './f32.ts';
import type { WeightFormat, WeightType } from './format.ts';
import { q4_0Format } from './q4_0.ts';
import { q4_kFormat } from './q4_k.ts';
import { q6_kFormat } from './q6_k.ts';
import { q8_0Format } from './q8_0.ts';

export type { RepackedWeights, WeightFormat, WeightType } from './format.ts';
export { checkRaw, checkShape, ggufBytes, WEIGHT_TYPES } from './format.ts';

const BUILT_IN: readonly WeightFormat[] = [
  f32Format,
  f16Format,
  bf16Format,
  q8_0Format,
  q4_0Format,
  q4_kFormat,
  q6_kFormat,
];

const formats = new Map<string, WeightFormat>(BUILT_IN.map((f) => [f.type, f]));

/** Replaces a built-in format (experiments with another layout); the table above is the default. */
export function registerWeightFormat(format: WeightFormat): void {
  formats.set(format.type, format);
}

/** The format of a weight type; UNSUPPORTED_QUANT naming the kernel and type otherwise. */
export function weightFormat(type: WeightType | string, kernel = 'weights'): WeightFormat {
  const format = formats.get(type);
  if (!format) {
    throw new RuntimeError(
      'UNSUPPORTED_QUANT',
      `kernel '${kernel}' has no decoder for weight type '${type}'; supported: ${[...formats.keys()].join(', ')}`,
      { details: { kernel, type } },
    );
  }
  return format;
}

/** The format whose ggml type id (GGUF tensor info) is `ggmlType`, if any. */
export function weightFormatOfGgml(ggmlType: number): WeightFormat | undefined {
  return [...formats.values()].find((f) => f.ggmlType === ggmlType);
}

export function supportedWeightTypes(): WeightType[] {
  return [...formats.keys()] as WeightType[];
}
