/**
 * Outputs of a stacked projection: one matrix holding the rows of several
 * (q, k and v, or q and k), one launch, its N columns cut into three outputs
 * (or two: at[1] = N) by the split epilogue (kernels/matmul/epilogue_split.wgsl).
 */
import { RuntimeError } from '@webseek/api';
import type { Split } from '@webseek/kernels';
import { type GpuContext, Usage } from '../context.ts';
import { type Binding, requireBytes } from '../dispatch.ts';

export interface SplitOutputs {
  /** Columns [0, at[0]) go to the op's `y`, [at[0], at[1]) to y1, [at[1], N) to y2. */
  at: readonly [number, number];
  /** (M, at[1] - at[0]) f32 */
  y1: Binding;
  /** (M, N - at[1]) f32; may be left out when at[1] = N (a two-way split). */
  y2?: Binding;
}

/** The kernel's split constants, after checking the cut points against N. */
export function splitOf(kernel: string, n: number, s: SplitOutputs, accumulate: boolean | undefined): Split {
  const [a, b] = s.at;
  if (accumulate) {
    throw new RuntimeError('INVALID_ARGUMENT', `kernel '${kernel}': a split projection cannot accumulate`, {
      details: { kernel, parameter: 'split' },
    });
  }
  if (!(Number.isInteger(a) && Number.isInteger(b) && a > 0 && a < b && b <= n)) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `kernel '${kernel}': split points [${a}, ${b}] must be integers with 0 < a < b <= n = ${n}`,
      { details: { kernel, parameter: 'split', at: [a, b], n } },
    );
  }
  return { n, a, b };
}

/** y (and with a split y1, y2) must hold M rows of their widths. */
export function requireOutputs(kernel: string, y: Binding, m: number, n: number, s: SplitOutputs | undefined): void {
  if (!s) {
    requireBytes(kernel, 'y', y, m * n * 4);
    return;
  }
  requireBytes(kernel, 'y', y, m * s.at[0] * 4);
  requireBytes(kernel, 'y1', s.y1, m * (s.at[1] - s.at[0]) * 4);
  if (s.y2) requireBytes(kernel, 'y2', s.y2, m * (n - s.at[1]) * 4);
  else if (s.at[1] !== n) {
    throw new RuntimeError('INVALID_ARGUMENT', `kernel '${kernel}': y2 is missing for columns [${s.at[1]}, ${n})`, {
      details: { kernel, binding: 'y2' },
    });
  }
}

/**
 * The split's y1 and y2 bindings; a two-way split gets a 4-byte y2 the epilogue
 * never writes (WGSL binds every output it declares), owned by the dispatch.
 */
export async function splitBindings(
  ctx: GpuContext,
  kernel: string,
  s: SplitOutputs | undefined,
): Promise<{ y1?: Binding; y2?: Binding; owned: GPUBuffer[] }> {
  if (!s) return { owned: [] };
  if (s.y2) return { y1: s.y1, y2: s.y2, owned: [] };
  const unused = await ctx.createBuffer(`${kernel}_y2_unused`, 4, Usage.STORAGE);
  return { y1: s.y1, y2: unused, owned: [unused] };
}
