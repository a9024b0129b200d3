import { composeWgsl, type KernelSource, variantLabel } from '../compose.ts';
import add from './add.wgsl?raw';
import addInplace from './add_inplace.wgsl?raw';
import addOut from './add_out.wgsl?raw';
import index from './index.wgsl?raw';
import scalar from './scalar.wgsl?raw';
import silu from './silu.wgsl?raw';
import swiglu from './swiglu.wgsl?raw';
import swigluFused from './swiglu_fused.wgsl?raw';
import swigluSplit from './swiglu_split.wgsl?raw';
import vec4 from './vec4.wgsl?raw';

/** Threads per workgroup of the elementwise kernels; one element (f32 or vec4) per thread. */
export const ELEMENTWISE = { workgroupSize: 256 } as const;

/**
 * 'vec4' reads and writes four consecutive f32 per thread (128-bit accesses) and needs the length
 * the kernel walks to be a multiple of 4; 'scalar' takes any length. Model shapes (ffn, dim) are
 * multiples of 4, so only odd test shapes take the scalar path. One dispatch cannot mix the two:
 * a tail would need the output bound a second time as array<f32>, and a writable binding may not
 * alias another.
 */
export type ElementWidth = 'vec4' | 'scalar';

/** The widest element a row of `length` f32 allows. */
export function elementWidth(length: number): ElementWidth {
  return length % 4 === 0 ? 'vec4' : 'scalar';
}

function widthPart(width: ElementWidth): string {
  return width === 'vec4' ? vec4 : scalar;
}

export interface SwigluKey {
  width: ElementWidth;
  /** gate and up interleaved per row in one (rows, 2*ffn) buffer, as a fused [gate | up] matmul writes them. */
  fused: boolean;
}

/**
 * y = silu(gate) * up. Bindings: split: 0 gate (rows, cols) V, 1 up (rows, cols) V; fused: 0 gate_up
 * (rows, 2*cols) V; then 2 y (rows, cols) V, 3 uniform {rows, cols}, with V f32 or vec4<f32> and cols
 * counted in V. One thread per V of y; dispatch grid(ceil(rows*cols / WG)).
 */
/** The silu part (alias V must be declared by the including kernel). */
export const SILU_PART = silu;

export function swigluKernel({ width, fused }: SwigluKey): KernelSource {
  return {
    label: variantLabel('swiglu', fused && 'fused', 'f32', width === 'vec4' && 'vec4'),
    code: composeWgsl({ parts: [widthPart(width), index, fused ? swigluFused : swigluSplit, silu, swiglu] }),
    constants: { WG: ELEMENTWISE.workgroupSize },
  };
}

export interface AddKey {
  width: ElementWidth;
  /** y is a: a += b through one read_write binding. */
  inPlace: boolean;
}

/**
 * y = a + b. Bindings: 0 a (n) V (read_write when in place), 1 b (n) V, 2 y (n) V (absent in place),
 * 3 uniform {n}, n counted in V. One thread per V; dispatch grid(ceil(n / WG)).
 */
export function addKernel({ width, inPlace }: AddKey): KernelSource {
  return {
    label: variantLabel('add', inPlace && 'inplace', 'f32', width === 'vec4' && 'vec4'),
    code: composeWgsl({ parts: [widthPart(width), index, inPlace ? addInplace : addOut, add] }),
    constants: { WG: ELEMENTWISE.workgroupSize },
  };
}
