import { reductionPart } from '../common/reduce.ts';
import { composeWgsl, type KernelSource, variantLabel } from '../compose.ts';
import rmsnorm from './rmsnorm.wgsl?raw';

export interface RmsNormKey {
  subgroups: boolean;
  /** Threads per workgroup (power of two). */
  workgroupSize?: number;
}

/** Bindings: 0 x (rows, dim) f32, 1 weight (dim) f32, 2 y (rows, dim) f32, 3 uniform {rows, dim, eps}. */
export function rmsNormKernel({ subgroups, workgroupSize = 256 }: RmsNormKey): KernelSource {
  return {
    label: variantLabel('rmsnorm_f32', subgroups && 'sg'),
    code: composeWgsl({ subgroups, parts: [rmsnorm, reductionPart(subgroups)] }),
    constants: { WG: workgroupSize },
  };
}
