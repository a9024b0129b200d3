/**
 * Block layouts of every ggml type id a GGUF file may name (ggml.h enum
 * ggml_type, sizes as gguf-py's GGML_QUANT_SIZES). The reader needs these to
 * check sizes, bounds and overlaps of tensors whose types webseek does not run;
 * which types it runs is ggml.ts's business (`ggmlType`).
 */

export interface GgmlLayout {
  /** ggml_type_name spelling, lower case. */
  name: string;
  /** Values per block. */
  blockValues: number;
  /** Bytes per block. */
  blockBytes: number;
}

const QK_K = 256;

// Ids 4, 5 (q4_2, q4_3), 31-33 and 36-38 (repacked types) were removed from GGUF files.
const LAYOUTS: ReadonlyMap<number, GgmlLayout> = new Map(
  (
    [
      [0, 'f32', 1, 4],
      [1, 'f16', 1, 2],
      [2, 'q4_0', 32, 2 + 16],
      [3, 'q4_1', 32, 2 + 2 + 16],
      [6, 'q5_0', 32, 2 + 4 + 16],
      [7, 'q5_1', 32, 2 + 2 + 4 + 16],
      [8, 'q8_0', 32, 2 + 32],
      [9, 'q8_1', 32, 4 + 4 + 32],
      [10, 'q2_k', QK_K, 2 + 2 + QK_K / 16 + QK_K / 4],
      [11, 'q3_k', QK_K, 2 + QK_K / 4 + QK_K / 8 + 12],
      [12, 'q4_k', QK_K, 2 + 2 + QK_K / 2 + 12],
      [13, 'q5_k', QK_K, 2 + 2 + QK_K / 2 + QK_K / 8 + 12],
      [14, 'q6_k', QK_K, 2 + QK_K / 2 + QK_K / 4 + QK_K / 16],
      [15, 'q8_k', QK_K, 4 + QK_K + QK_K / 8],
      [16, 'iq2_xxs', QK_K, 2 + QK_K / 4],
      [17, 'iq2_xs', QK_K, 2 + QK_K / 4 + QK_K / 32],
      [18, 'iq3_xxs', QK_K, 2 + QK_K / 4 + QK_K / 8],
      [19, 'iq1_s', QK_K, 2 + QK_K / 8 + QK_K / 16],
      [20, 'iq4_nl', 32, 2 + 16],
      [21, 'iq3_s', QK_K, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4],
      [22, 'iq2_s', QK_K, 2 + QK_K / 4 + QK_K / 16],
      [23, 'iq4_xs', QK_K, 2 + 2 + QK_K / 2 + QK_K / 64],
      [24, 'i8', 1, 1],
      [25, 'i16', 1, 2],
      [26, 'i32', 1, 4],
      [27, 'i64', 1, 8],
      [28, 'f64', 1, 8],
      [29, 'iq1_m', QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32],
      [30, 'bf16', 1, 2],
      [34, 'tq1_0', QK_K, 2 + 4 * 13],
      [35, 'tq2_0', QK_K, 2 + 64],
      [39, 'mxfp4', 32, 1 + 16],
      [40, 'nvfp4', 64, 4 + 32],
      [41, 'q1_0', 128, 2 + 16],
      [42, 'q2_0', 64, 2 + 16],
    ] as const
  ).map(([id, name, blockValues, blockBytes]) => [id, { name, blockValues, blockBytes }]),
);

/** The block layout of ggml type `id`, or undefined when no ggml version defines it. */
export function ggmlLayout(id: number): GgmlLayout | undefined {
  return LAYOUTS.get(id);
}

/** The ggml type id called `name` (e.g. 'q4_k'), or undefined. */
export function ggmlLayoutId(name: string): number | undefined {
  for (const [id, layout] of LAYOUTS) if (layout.name === name) return id;
  return undefined;
}

/** Every id with a known layout, ascending. */
export function ggmlLayoutIds(): number[] {
  return [...LAYOUTS.keys()];
}

/**
 * Bytes a tensor of `shape` (ne0 first) takes, or a string saying why the shape
 * does not fit the layout. Stops as soon as the size passes `limit`, so huge
 * dims never overflow: the result is then `limit + 1` or more.
 */
export function tensorBytes(layout: GgmlLayout, shape: readonly number[], limit: number): number | string {
  const ne0 = shape[0] ?? 0;
  if (ne0 % layout.blockValues !== 0) {
    return `row length ne0 = ${ne0} is not a multiple of the ${layout.name} block of ${layout.blockValues} values`;
  }
  let bytes = (ne0 / layout.blockValues) * layout.blockBytes;
  for (let d = 1; d < shape.length && bytes <= limit; d++) bytes *= shape[d]!;
  return bytes;
}
