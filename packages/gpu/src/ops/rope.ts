import { RuntimeError } from '@webseek/api';
import { type KvCacheDtype, kvBytesPerValue, ROPE, type RopePairing, ropeKernel, ropeTurns } from '@webseek/kernels';
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
  const s = checkRope(source.label, a);
  if (a.k) requireDistinct(source.label, 'k', a.k, [a.q]);
  const turns = await ctx.upload(`${source.label}_turns`, ropeTurns(a.base, a.headDim));
  const params = uniformBuffer(ctx, `${source.label}_params`, [a.tokens, s.qPairs, s.kPairs, s.half, 0]);
  const groups = grid(ctx, Math.ceil((a.tokens * (s.qPairs + s.kPairs)) / ROPE.workgroupSize));
  return prepareDispatch(ctx, source, [a.q, a.k, turns, a.freqFactors, a.step, params], groups, [turns, params]);
}

export interface RopeKvArgs extends Omit<RopeArgs, 'k'> {
  /** (tokens, nKvHeads*headDim) f32, read unrotated (left as it is). */
  k: Binding;
  /** (tokens, nKvHeads*headDim) f32 */
  v: Binding;
  /** (ctx, nKvHeads*headDim) in cacheDtype: rows step.pos .. step.pos + step.tokens - 1 are written. */
  kCache: Binding;
  vCache: Binding;
  /** Rows of the caches. */
  ctx: number;
  cacheDtype: KvCacheDtype;
}

/**
 * RoPE fused with the KV append (one launch instead of rope + kvWrite): q
 * rotated in place, k rotated into kCache and v copied into vCache at the
 * step's rows, bit for bit what the two launches write.
 */
export async function ropeKv(ctx: GpuContext, a: RopeKvArgs): Promise<Dispatch> {
  const source = ropeKernel({
    pairing: a.pairing,
    withK: true,
    freqFactors: a.freqFactors !== undefined,
    kvCache: a.cacheDtype,
  });
  const s = checkRope(source.label, a);
  requireBytes(source.label, 'v', a.v, a.tokens * s.kPairs * 2 * 4);
  requirePositiveInt(source.label, 'ctx', a.ctx);
  const cacheBytes = a.ctx * s.kPairs * 2 * kvBytesPerValue(a.cacheDtype);
  requireBytes(source.label, 'kCache', a.kCache, cacheBytes);
  requireBytes(source.label, 'vCache', a.vCache, cacheBytes);
  requireDistinct(source.label, 'kCache', a.kCache, [a.q, a.k, a.v]);
  requireDistinct(source.label, 'vCache', a.vCache, [a.q, a.k, a.v, a.kCache]);
  const turns = await ctx.upload(`${source.label}_turns`, ropeTurns(a.base, a.headDim));
  const params = uniformBuffer(ctx, `${source.label}_params`, [a.tokens, s.qPairs, s.kPairs, s.half, a.ctx]);
  const groups = grid(ctx, Math.ceil((a.tokens * (s.qPairs + s.kPairs)) / ROPE.workgroupSize));
  const bindings = [a.q, a.k, turns, a.freqFactors, a.step, params, a.v, a.kCache, a.vCache];
  return prepareDispatch(ctx, source, bindings, groups, [turns, params]);
}

/** Shapes, base and buffer sizes shared by both entry points; pairs per row of q and k. */
function checkRope(kernel: string, a: RopeArgs): { qPairs: number; kPairs: number; half: number } {
  const nKvHeads = a.nKvHeads ?? a.nHeads;
  requirePositiveInt(kernel, 'tokens', a.tokens);
  requirePositiveInt(kernel, 'nHeads', a.nHeads);
  requirePositiveInt(kernel, 'nKvHeads', nKvHeads);
  requirePositiveInt(kernel, 'headDim', a.headDim);
  if (a.headDim % 2 !== 0) throw invalid(kernel, 'headDim', `must be even, got ${a.headDim}`, a.headDim);
  if (!(a.base > 1) || !Number.isFinite(a.base)) {
    throw invalid(kernel, 'base', `must be a finite number above 1, got ${a.base}`, a.base);
  }
  const half = a.headDim / 2;
  requireBytes(kernel, 'q', a.q, a.tokens * a.nHeads * a.headDim * 4);
  if (a.k) requireBytes(kernel, 'k', a.k, a.tokens * nKvHeads * a.headDim * 4);
  if (a.freqFactors) requireBytes(kernel, 'freqFactors', a.freqFactors, half * 4);
  requireBytes(kernel, 'step', a.step, STEP_BYTES);
  return { qPairs: a.nHeads * half, kPairs: a.k ? nKvHeads * half : 0, half };
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
