import { composeWgsl, type KernelSource } from '../compose.ts';
import penalty from './penalty.wgsl?raw';
import penaltyCount from './penalty_count.wgsl?raw';

/** Threads per workgroup of the penalty pass (one logit each). */
export const PENALTY_WG = 256;

/**
 * Presence/frequency penalties, in place. Bindings: 0 logits (vocab) f32 read_write,
 * 1 counts (vocab) u32, 2 uniform {vocab u32, presence f32, frequency f32, pad}.
 * Dispatch: ceil(vocab / PENALTY_WG) workgroups spread by `grid`. No reduction: one variant.
 */
export function penaltyKernel(): KernelSource {
  return { label: 'penalty_f32', code: composeWgsl({ parts: [penalty] }), constants: { WG: PENALTY_WG } };
}

/**
 * counts[ids[0]] += 1. Bindings: 0 ids (>= 1) u32, 1 counts (vocab) u32 read_write,
 * 2 uniform {vocab}. Dispatch: (1, 1, 1).
 */
export function penaltyCountKernel(): KernelSource {
  return { label: 'penalty_count', code: composeWgsl({ parts: [penaltyCount] }) };
}
