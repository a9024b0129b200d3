import { RuntimeError } from '@webseek/api';
import { PENALTY_WG, penaltyCountKernel, penaltyKernel } from '@webseek/kernels';
import { type GpuContext, Usage } from '../context.ts';
import { type Binding, type Dispatch, grid, prepareDispatch, requireBytes, uniformBuffer } from '../dispatch.ts';
import { requireDistinct } from './elementwise.ts';

/** Bytes of the penalty pass's uniform: {vocab u32, presence f32, frequency f32, pad}. */
export const PENALTY_PARAMS_BYTES = 16;

export interface PenaltyValues {
  vocab: number;
  /** Subtracted once from the logit of every id generated at least once. */
  presence: number;
  /** Subtracted per occurrence. */
  frequency: number;
}

export interface PenalizeArgs {
  /** (vocab) f32, penalized in place */
  logits: Binding;
  /** (vocab) u32 occurrences of each id so far */
  counts: Binding;
  /** PENALTY_PARAMS_BYTES uniform, written by `writePenaltyParams` (per request, not per step) */
  params: GPUBuffer;
  vocab: number;
}

/** logits[id] -= presence·(counts[id] > 0) + frequency·counts[id]; run between the output matvec and the sampler. */
export async function penalize(ctx: GpuContext, a: PenalizeArgs): Promise<Dispatch> {
  const source = penaltyKernel();
  requireVocab(source.label, a.vocab);
  requireBytes(source.label, 'logits', a.logits, a.vocab * 4);
  requireBytes(source.label, 'counts', a.counts, a.vocab * 4);
  requireBytes(source.label, 'params', a.params, PENALTY_PARAMS_BYTES);
  requireDistinct(source.label, 'logits', a.logits, [a.counts]);
  return prepareDispatch(ctx, source, [a.logits, a.counts, a.params], grid(ctx, Math.ceil(a.vocab / PENALTY_WG)));
}

export interface CountTokenArgs {
  /** (>= 1) u32: ids[0] is the id the sampler chose */
  ids: Binding;
  /** (vocab) u32, incremented at ids[0] */
  counts: Binding;
  vocab: number;
}

/** counts[ids[0]] += 1; run after the sampler so the next step penalizes what this one chose. */
export async function countToken(ctx: GpuContext, a: CountTokenArgs): Promise<Dispatch> {
  const source = penaltyCountKernel();
  requireVocab(source.label, a.vocab);
  requireBytes(source.label, 'ids', a.ids, 4);
  requireBytes(source.label, 'counts', a.counts, a.vocab * 4);
  requireDistinct(source.label, 'counts', a.counts, [a.ids]);
  const params = uniformBuffer(ctx, `${source.label}_params`, [a.vocab]);
  return prepareDispatch(ctx, source, [a.ids, a.counts, params], [1, 1, 1], [params]);
}

/** A uniform for `penalize`, to be filled by `writePenaltyParams`. */
export function penaltyParamsBuffer(ctx: GpuContext, label = 'penalty_params'): GPUBuffer {
  return ctx.device.createBuffer({ label, size: PENALTY_PARAMS_BYTES, usage: Usage.UNIFORM | Usage.COPY_DST });
}

export function writePenaltyParams(ctx: GpuContext, buffer: GPUBuffer, v: PenaltyValues): void {
  const data = new ArrayBuffer(PENALTY_PARAMS_BYTES);
  const view = new DataView(data);
  view.setUint32(0, v.vocab, true);
  view.setFloat32(4, v.presence, true);
  view.setFloat32(8, v.frequency, true);
  ctx.device.queue.writeBuffer(buffer, 0, data);
}

function requireVocab(kernel: string, vocab: number): void {
  if (!Number.isInteger(vocab) || vocab <= 0 || vocab >= 2 ** 31) {
    throw new RuntimeError('INVALID_ARGUMENT', `kernel '${kernel}': vocab must be a positive integer, got ${vocab}`, {
      details: { kernel, parameter: 'vocab', value: vocab },
    });
  }
}
