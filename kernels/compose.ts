/**
 * The small typed composer: a kernel variant is WGSL text assembled from
 * valid WGSL parts (a prelude, a weight decoder from common/, a kernel body),
 * plus `override` constants for scalars. No preprocessor: variants differ by
 * which parts are joined, and the label names the variant.
 */

export interface KernelSource {
  /** Names the variant and labels every GPU object made from it, e.g. `matvec_q4_k_f32_sg`. */
  label: string;
  code: string;
  entryPoint?: string;
  /** Values for the shader's `override` declarations. */
  constants?: Record<string, number>;
}

/** Arithmetic precision of dequantized weights: f16 only on devices with shader-f16. */
export type Precision = 'f32' | 'f16';

export interface ComposeOptions {
  precision?: Precision;
  subgroups?: boolean;
  parts: readonly string[];
}

/**
 * Joins parts after the directives and aliases they rely on. Every part may use
 * `wf` / `wf4` (the weight arithmetic type) and `W8` (eight decoded weights).
 */
export function composeWgsl({ precision = 'f32', subgroups = false, parts }: ComposeOptions): string {
  const enables = [precision === 'f16' ? 'enable f16;' : '', subgroups ? 'enable subgroups;' : '']
    .filter(Boolean)
    .join('\n');
  const prelude = [
    enables,
    `alias wf = ${precision};`,
    `alias wf4 = vec4<${precision}>;`,
    '/** Eight consecutive weights of one row, as decoded by w_decode8. */',
    'struct W8 { lo: wf4, hi: wf4 }',
  ]
    .filter(Boolean)
    .join('\n');
  return [prelude, ...parts].join('\n\n');
}

export function variantLabel(...parts: (string | false | undefined)[]): string {
  return parts.filter(Boolean).join('_');
}
