import { RuntimeError } from '@webseek/api';
import { addKernel, ELEMENTWISE, elementWidth, swigluKernel } from '@webseek/kernels';
import type { GpuContext } from '../context.ts';
import {
  type Binding,
  type Dispatch,
  grid,
  prepareDispatch,
  requireBytes,
  requirePositiveInt,
  uniformBuffer,
} from '../dispatch.ts';

export interface SwigluArgs {
  /** (rows, ffn) f32; with `up`, or pass `gateUp` instead of both. */
  gate?: Binding;
  /** (rows, ffn) f32 */
  up?: Binding;
  /** (rows, 2*ffn) f32: [gate | up] per row, as one fused matmul writes them. */
  gateUp?: Binding;
  /** (rows, ffn) f32; may not share a buffer with the inputs. */
  y: Binding;
  rows: number;
  ffn: number;
}

/** y = silu(gate) * up, elementwise; vec4 accesses when the row length allows. */
export async function swiglu(ctx: GpuContext, a: SwigluArgs): Promise<Dispatch> {
  const fused = a.gateUp !== undefined;
  // Split inputs are walked as one flat (1, rows*ffn) row, so only the total length must be a multiple of 4.
  const [rows, cols] = fused ? [a.rows, a.ffn] : [1, a.rows * a.ffn];
  const width = elementWidth(cols);
  const source = swigluKernel({ width, fused });
  requirePositiveInt(source.label, 'rows', a.rows);
  requirePositiveInt(source.label, 'ffn', a.ffn);
  const bytes = a.rows * a.ffn * 4;
  if (fused === (a.gate !== undefined || a.up !== undefined)) {
    throw invalid(source.label, "pass either 'gateUp' or both 'gate' and 'up'", {});
  }
  const inputs = fused ? [a.gateUp!] : [required(source.label, 'gate', a.gate), required(source.label, 'up', a.up)];
  if (fused) requireBytes(source.label, 'gateUp', a.gateUp!, 2 * bytes);
  else {
    requireBytes(source.label, 'gate', inputs[0]!, bytes);
    requireBytes(source.label, 'up', inputs[1]!, bytes);
  }
  requireBytes(source.label, 'y', a.y, bytes);
  requireDistinct(source.label, 'y', a.y, inputs);
  const lanes = width === 'vec4' ? 4 : 1;
  const params = uniformBuffer(ctx, `${source.label}_params`, [rows, cols / lanes]);
  const bindings = fused ? [a.gateUp, undefined, a.y, params] : [a.gate, a.up, a.y, params];
  return prepareDispatch(ctx, source, bindings, groups(ctx, (rows * cols) / lanes), [params]);
}

export interface AddArgs {
  /** (n) f32 */
  a: Binding;
  /** (n) f32 */
  b: Binding;
  /** (n) f32; omit to add in place into `a` (the residual stream: x += f(x)). */
  y?: Binding;
  n: number;
}

/** y = a + b elementwise (or a += b when `y` is omitted); vec4 accesses when n allows. */
export async function add(ctx: GpuContext, a: AddArgs): Promise<Dispatch> {
  const width = elementWidth(a.n);
  const inPlace = a.y === undefined;
  const source = addKernel({ width, inPlace });
  requirePositiveInt(source.label, 'n', a.n);
  requireBytes(source.label, 'a', a.a, a.n * 4);
  requireBytes(source.label, 'b', a.b, a.n * 4);
  if (a.y) {
    requireBytes(source.label, 'y', a.y, a.n * 4);
    requireDistinct(source.label, 'y', a.y, [a.a, a.b]);
  } else requireDistinct(source.label, 'a', a.a, [a.b]);
  const n = width === 'vec4' ? a.n / 4 : a.n;
  const params = uniformBuffer(ctx, `${source.label}_params`, [n]);
  return prepareDispatch(ctx, source, [a.a, a.b, a.y, params], groups(ctx, n), [params]);
}

function groups(ctx: GpuContext, threads: number): [number, number, number] {
  return grid(ctx, Math.ceil(threads / ELEMENTWISE.workgroupSize));
}

/** The buffer and byte range [start, end) a binding covers. */
function rangeOf(b: Binding): [GPUBuffer, number, number] {
  if (!('buffer' in b)) return [b, 0, b.size];
  const start = b.offset ?? 0;
  return [b.buffer, start, start + (b.size ?? b.buffer.size - start)];
}

/** WebGPU rejects a written binding whose bytes overlap another binding of the same dispatch. */
export function requireDistinct(kernel: string, name: string, written: Binding, others: readonly Binding[]): void {
  const [buffer, start, end] = rangeOf(written);
  const overlaps = (o: Binding) => {
    const [ob, os, oe] = rangeOf(o);
    return ob === buffer && os < end && start < oe;
  };
  if (others.some(overlaps)) {
    throw invalid(kernel, `'${name}' is written and overlaps an input's bytes; use a separate range`, {
      binding: name,
    });
  }
}

function required(kernel: string, name: string, b: Binding | undefined): Binding {
  if (!b) throw invalid(kernel, `buffer '${name}' is missing`, { binding: name });
  return b;
}

function invalid(kernel: string, message: string, details: Record<string, unknown>): RuntimeError {
  return new RuntimeError('INVALID_ARGUMENT', `kernel '${kernel}': ${message}`, { details: { kernel, ...details } });
}
