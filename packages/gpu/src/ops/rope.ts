import { RuntimeError } from '@webseek/api';
import { ROPE, type RopePairing, ropeKernel, ropeTurns } from '@webseek/kernels';
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
import { STEP_BYTES } from '../step.ts';
import { requireDistinct } from './elementwise.ts';

export interface RopeArgs {
  /** (tokens, nHeads*headDim) f32, rotated in place. */
  q: Binding;
  /** (tokens, nKvHeads*headDim) f32, rotated in place by the same dispatch. */
  k?: Binding;
  /** The engine's `StepBuffer.buffer`: token t of a step is at position step.pos + t. */
  step: Binding;
  /** Most tokens per step (rows of q and k); each step rotates min(step.tokens, tokens) rows. */
  tokens: number;
  nHeads: number;
  /** Heads of k; defaults to nHeads. */
  nKvHeads?: number;
  /** Even. */
  headDim: number;
  /** rope_theta / rope.freq_base. */
  base: number;
  /** 'adjacent' for llama, 'halves' for qwen2 (neox). */
  pairing: RopePairing;
  /** (headDim/2) f32: theta_i is divided by factor i (GGUF rope_freqs, or `llama3RopeFactors`). */
  freqFactors?: Binding;
}

/** Rotates q (and k) in place by their positions; positions come from the step buffer, so the dispatch replays. */
export async function rope(ctx: GpuContext, a: RopeArgs): Promise<Dispatch> {
  const source = ropeKernel({ pairing: a.pairing, withK: a.k !== undefined, freqFactors: a.freqFactors !== undefined });
  const nKvHeads = a.nKvHeads ?? a.nHeads;
  requirePositiveInt(source.label, 'tokens', a.tokens);
  requirePositiveInt(source.label, 'nHeads', a.nHeads);
  requirePositiveInt(source.label, 'nKvHeads', nKvHeads);
  requirePositiveInt(source.label, 'headDim', a.headDim);
  if (a.headDim % 2 !== 0) throw invalid(source.label, 'headDim', `must be even, got ${a.headDim}`, a.headDim);
  if (!(a.base > 1) || !Number.isFinite(a.base)) {
    throw invalid(source.label, 'base', `must be a finite number above 1, got ${a.base}`, a.base);
  }
  const half = a.headDim / 2;
  requireBytes(source.label, 'q', a.q, a.tokens * a.nHeads * a.headDim * 4);
  if (a.k) {
    requireBytes(source.label, 'k', a.k, a.tokens * nKvHeads * a.headDim * 4);
    requireDistinct(source.label, 'k', a.k, [a.q]);
  }
  if (a.freqFactors) requireBytes(source.label, 'freqFactors', a.freqFactors, half * 4);
  requireBytes(source.label, 'step', a.step, STEP_BYTES);
  const qPairs = a.nHeads * half;
  const kPairs = a.k ? nKvHeads * half : 0;
  const turns = await ctx.upload(`${source.label}_turns`, ropeTurns(a.base, a.headDim));
  const params = uniformBuffer(ctx, `${source.label}_params`, [a.tokens, qPairs, kPairs, half]);
  const groups = grid(ctx, Math.ceil((a.tokens * (qPairs + kPairs)) / ROPE.workgroupSize));
  return prepareDispatch(ctx, source, [a.q, a.k, turns, a.freqFactors, a.step, params], groups, [turns, params]);
}

export interface Llama3RopeScaling {
  /** rope_scaling.factor (8 for Llama 3.1). */
  factor: number;
  /** rope_scaling.low_freq_factor (1). */
  lowFreqFactor: number;
  /** rope_scaling.high_freq_factor (4). */
  highFreqFactor: number;
  /** rope_scaling.original_max_position_embeddings (8192). */
  originalMaxPositionEmbeddings: number;
  /** rope_theta (500000). */
  base: number;
  headDim: number;
}

/**
 * Llama 3 frequency factors (headDim/2) f32, for a GGUF that lacks rope_freqs: what llama.cpp's
 * convert_hf_to_gguf.py stores there, step by step in f32 as torch evaluates it (a Python scalar
 * divided by a tensor is `tensor.reciprocal() * scalar`). Pairs with wavelength below
 * original/highFreqFactor keep 1, above original/lowFreqFactor get `factor`, and the band between
 * is interpolated. Hugging Face's inv_freq / factor is the same scaling.
 */
export function llama3RopeFactors(s: Llama3RopeScaling): Float32Array {
  const f = Math.fround;
  const half = s.headDim / 2;
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const freq = f(1 / f(s.base ** f((2 * i) / s.headDim)));
    const wavelen = f(f(1 / freq) * f(2 * Math.PI));
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = s.factor;
    else {
      const ratio = f(f(1 / wavelen) * f(s.originalMaxPositionEmbeddings));
      const smooth = f(f(ratio - f(s.lowFreqFactor)) / f(s.highFreqFactor - s.lowFreqFactor));
      out[i] = f(1 / f(f(f(1 - smooth) / f(s.factor)) + smooth));
    }
  }
  return out;
}

function invalid(kernel: string, parameter: string, message: string, value: unknown): RuntimeError {
  return new RuntimeError('INVALID_ARGUMENT', `kernel '${kernel}': ${parameter} ${message}`, {
    details: { kernel, parameter, value },
  });
}
