import { RuntimeError } from '@webseek/api';
import {
  argmaxFinalKernel,
  argmaxPartialsKernel,
  exp2Table,
  SAMPLE,
  sampleFinalKernel,
  sampleGatherKernel,
  sampleGrid,
} from '@webseek/kernels';
import { type GpuContext, Usage } from '../context.ts';
import { type Binding, type Dispatch, prepareDispatch, requireBytes, uniformBuffer } from '../dispatch.ts';
import { STEP_BYTES } from '../step.ts';
import { requireDistinct } from './elementwise.ts';

export interface ArgmaxArgs {
  /** (vocab) f32 */
  logits: Binding;
  /** (1) u32: the id of the largest logit (lowest id on ties, NaN never wins unless all are NaN);
   * with room for 2 words, word 1 gets 1.0 (f32 bits) as its probability. */
  out: Binding;
  vocab: number;
  /** Defaults to the device's capability. */
  subgroups?: boolean;
}

export interface SampleArgs extends ArgmaxArgs {
  /**
   * The engine's `StepBuffer.buffer`: seed, temperature, top_k, top_p. temperature < 2^-20 (0, negative,
   * NaN) is greedy; top_k 0 or above SAMPLE.keepCap keeps SAMPLE.keepCap; top_p >= 1 keeps all.
   */
  step: Binding;
}

/** Greedy decoding: [partials over many workgroups, one-workgroup final]; the step reads back one u32. */
export async function argmax(ctx: GpuContext, a: ArgmaxArgs): Promise<Dispatch[]> {
  const subgroups = a.subgroups ?? ctx.caps.subgroups;
  const partials = argmaxPartialsKernel({ subgroups });
  requireLogits(partials.label, a);
  const { groups, chunk } = sampleGrid(a.vocab);
  const scratch = await ctx.createBuffer(`${partials.label}_scratch`, groups * 8, Usage.STORAGE);
  const p1 = uniformBuffer(ctx, `${partials.label}_params`, [a.vocab, chunk]);
  const final = argmaxFinalKernel({ subgroups, forSampling: false });
  const p2 = uniformBuffer(ctx, `${final.label}_params`, [groups]);
  return [
    await prepareDispatch(ctx, partials, [a.logits, scratch, p1], [groups, 1, 1], [scratch, p1]),
    await prepareDispatch(ctx, final, [scratch, a.out, undefined, p2], [1, 1, 1], [p2]),
  ];
}

/**
 * Temperature / top-k / top-p sampling with the step's seed, exact against the CPU reference
 * (`sample` in @webseek/reference): [argmax partials, argmax final (greedy id + sampler state),
 * candidate gather, one-workgroup select/sort/draw]. Sampler settings come from the step buffer,
 * so one prepared list serves every request and token.
 */
export async function sample(ctx: GpuContext, a: SampleArgs): Promise<Dispatch[]> {
  const subgroups = a.subgroups ?? ctx.caps.subgroups;
  const partials = argmaxPartialsKernel({ subgroups });
  requireLogits(partials.label, a);
  requireBytes(partials.label, 'step', a.step, STEP_BYTES);
  const { groups, chunk } = sampleGrid(a.vocab);
  const scratch = await ctx.createBuffer(`${partials.label}_scratch`, groups * 8, Usage.STORAGE);
  const state = await ctx.createBuffer('sample_state', 16, Usage.STORAGE);
  const cand = await ctx.createBuffer('sample_candidates', SAMPLE.gatherCap * 4, Usage.STORAGE);
  const table = await ctx.upload('sample_exp2_table', exp2Table());
  const prep = argmaxFinalKernel({ subgroups, forSampling: true });
  const gather = sampleGatherKernel();
  const final = sampleFinalKernel({ subgroups });
  const p1 = uniformBuffer(ctx, `${partials.label}_params`, [a.vocab, chunk]);
  const p2 = uniformBuffer(ctx, `${prep.label}_params`, [groups]);
  const p3 = uniformBuffer(ctx, `${gather.label}_params`, [a.vocab, chunk, SAMPLE.gatherCap]);
  const p4 = uniformBuffer(ctx, `${final.label}_params`, [a.vocab, SAMPLE.gatherCap]);
  const step = a.step;
  return [
    await prepareDispatch(ctx, partials, [a.logits, scratch, p1], [groups, 1, 1], [scratch, p1]),
    await prepareDispatch(ctx, prep, [scratch, a.out, state, p2], [1, 1, 1], [p2]),
    await prepareDispatch(ctx, gather, [a.logits, state, cand, undefined, step, p3, table], [groups, 1, 1], [p3]),
    await prepareDispatch(
      ctx,
      final,
      [a.logits, state, cand, a.out, step, p4, table],
      [1, 1, 1],
      [state, cand, table, p4],
    ),
  ];
}

function requireLogits(kernel: string, a: ArgmaxArgs): void {
  if (!Number.isInteger(a.vocab) || a.vocab <= 0 || a.vocab > SAMPLE.maxVocab) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `kernel '${kernel}': vocab must be an integer in 1..${SAMPLE.maxVocab}, got ${a.vocab}`,
      { details: { kernel, parameter: 'vocab', value: a.vocab } },
    );
  }
  requireBytes(kernel, 'logits', a.logits, a.vocab * 4);
  requireBytes(kernel, 'out', a.out, 4);
  requireDistinct(kernel, 'out', a.out, [a.logits]);
}
