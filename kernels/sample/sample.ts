import step from '../common/step.wgsl?raw';
import { composeWgsl, type KernelSource, variantLabel } from '../compose.ts';
// 64-bit integer helpers, shared with RoPE (a candidate for common/).
import wide from '../rope/wide.wgsl?raw';
import argmaxFinal from './argmax_final.wgsl?raw';
import argmaxPartials from './argmax_partials.wgsl?raw';
import bestPlain from './best_plain.wgsl?raw';
import bestSubgroup from './best_subgroup.wgsl?raw';
import keys from './keys.wgsl?raw';
import publishArgmax from './publish_argmax.wgsl?raw';
import publishSample from './publish_sample.wgsl?raw';
import sampleFinal from './sample_final.wgsl?raw';
import sampleGather from './sample_gather.wgsl?raw';
import sampler from './sampler.wgsl?raw';
import scanPlain from './scan_plain.wgsl?raw';
import scanSubgroup from './scan_subgroup.wgsl?raw';

/** Fixed shapes of the argmax and sampling kernels, shared with the op verbs that size their buffers. */
export const SAMPLE = {
  /** Threads per workgroup in every kernel here (the final pass needs exactly 256: one per histogram bin). */
  workgroupSize: 256,
  /** Logits per argmax / gather workgroup, until `maxPartials` workgroups are reached. */
  chunk: 2048,
  /** Most argmax partials: the final pass reduces one per thread. */
  maxPartials: 256,
  /** Most candidates kept for top-p and the draw (top_k 0 or above this is clamped to it): 4 per thread. */
  keepCap: 1024,
  /** Candidates the gather pass stores; with more, the final pass rescans the logits. */
  gatherCap: 4096,
  /** Token ids must fit in 24 bits (the selection key packs 2^24 - 1 - id). */
  maxVocab: 1 << 24,
} as const;

/** Workgroups (and logits per workgroup) of the argmax and gather passes over `vocab` logits. */
export function sampleGrid(vocab: number): { groups: number; chunk: number } {
  const groups = Math.min(SAMPLE.maxPartials, Math.ceil(vocab / SAMPLE.chunk));
  return { groups, chunk: Math.ceil(vocab / groups) };
}

/**
 * round(2^24 * 2^(-j/256)) for j = 0..256: the sampler's exp2, interpolated in integers. Built
 * here and in the CPU reference with the same expression (the test checks they agree).
 */
export function exp2Table(): Uint32Array {
  return Uint32Array.from({ length: 257 }, (_, j) => Math.round(2 ** (24 - j / 256)));
}

export interface ArgmaxKey {
  subgroups: boolean;
}

/**
 * Argmax pass 1. Bindings: 0 logits (vocab) f32, 1 partials (groups) vec2<u32> (key, id),
 * 2 uniform {vocab, chunk}. Dispatch: (groups, 1, 1) from `sampleGrid`.
 */
export function argmaxPartialsKernel({ subgroups }: ArgmaxKey): KernelSource {
  return {
    label: variantLabel('argmax_partials_f32', subgroups && 'sg'),
    code: composeWgsl({ subgroups, parts: [keys, argmaxPartials, subgroups ? bestSubgroup : bestPlain] }),
    constants: { WG: SAMPLE.workgroupSize },
  };
}

export interface ArgmaxFinalKey extends ArgmaxKey {
  /** Also seed the sampler's state (max, candidate count = 0) for the sampling passes. */
  forSampling: boolean;
}

/**
 * Argmax pass 2, one workgroup. Bindings: 0 partials (parts) vec2<u32>, 1 out (1 or 2) u32: id [, prob],
 * 2 state {maxKey, maxId, count, pad} u32 (forSampling), 3 uniform {parts}. Dispatch: (1, 1, 1).
 */
export function argmaxFinalKernel({ subgroups, forSampling }: ArgmaxFinalKey): KernelSource {
  return {
    label: variantLabel('argmax_final', forSampling && 'sample', subgroups && 'sg'),
    code: composeWgsl({
      subgroups,
      parts: [keys, forSampling ? publishSample : publishArgmax, argmaxFinal, subgroups ? bestSubgroup : bestPlain],
    }),
    constants: { WG: SAMPLE.workgroupSize },
  };
}

/**
 * Sampling pass 1: candidates with a nonzero weight. Bindings: 0 logits (vocab) f32, 1 state,
 * 2 cand (gatherCap) u32, 4 step: Step, 5 uniform {vocab, chunk, gatherCap}, 6 exp2 table (257) u32.
 * Dispatch: (groups, 1, 1) from `sampleGrid`.
 */
export function sampleGatherKernel(): KernelSource {
  return {
    label: 'sample_gather_f32',
    code: composeWgsl({ parts: [step, keys, wide, sampler, sampleGather] }),
    constants: { WG: SAMPLE.workgroupSize },
  };
}

/**
 * Sampling pass 2, one workgroup: select, sort, top-p, draw. Bindings: 0 logits (vocab) f32,
 * 1 state, 2 cand (gatherCap) u32, 3 out (1 or 2) u32: id [, prob], 4 step: Step,
 * 5 uniform {vocab, gatherCap}, 6 exp2 table (257) u32. Dispatch: (1, 1, 1).
 */
export function sampleFinalKernel({ subgroups }: ArgmaxKey): KernelSource {
  return {
    label: variantLabel('sample_final_f32', subgroups && 'sg'),
    code: composeWgsl({
      subgroups,
      parts: [
        step,
        keys,
        wide,
        sampler,
        `const KEEP_CAP: u32 = ${SAMPLE.keepCap}u;`,
        sampleFinal,
        subgroups ? scanSubgroup : scanPlain,
      ],
    }),
    constants: { WG: SAMPLE.workgroupSize },
  };
}
