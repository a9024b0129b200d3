import { RuntimeError } from '@webseek/api';
import {
  ATTENTION,
  attentionCombineKernel,
  attentionDecodeKernel,
  attentionPrefillKernel,
  decodeGroupHeads,
  decodeMaxSplits,
  type KvCacheDtype,
  kvBytesPerValue,
  kvWriteKernel,
} from '@webseek/kernels';
import { type GpuContext, Usage } from '../context.ts';
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

/** One layer's KV cache: kCache and vCache are each (ctx, nKvHead*headDim) in `cacheDtype`. */
export interface KvCacheShape {
  nKvHead: number;
  /** Even, at most 256. */
  headDim: number;
  /** Rows (positions) the cache holds. */
  ctx: number;
  /** 'f16': two values packed per u32 (`pack2x16float`). */
  cacheDtype: KvCacheDtype;
}

export interface AttentionShape extends KvCacheShape {
  /** Q heads; a multiple of nKvHead (q head h reads kv head h / (nHead / nKvHead)). */
  nHead: number;
}

export interface KvWriteArgs extends KvCacheShape {
  /** (tokens, nKvHead*headDim) f32: this step's keys, RoPE applied. */
  k: Binding;
  /** (tokens, nKvHead*headDim) f32 */
  v: Binding;
  /** (ctx, nKvHead*headDim) in cacheDtype; rows step.pos .. step.pos + step.tokens - 1 are written. */
  kCache: Binding;
  vCache: Binding;
  /** The engine's `StepBuffer.buffer` (pos, tokens). */
  step: Binding;
  /** Most tokens per step: rows of k and v; the dispatch is sized for it. */
  tokens: number;
}

export interface AttentionPrefillArgs extends AttentionShape {
  /** (tokens, nHead*headDim) f32, RoPE applied. */
  q: Binding;
  /** (ctx, nKvHead*headDim) in cacheDtype, rows 0 .. step.pos + step.tokens - 1 already written. */
  kCache: Binding;
  vCache: Binding;
  /** (tokens, nHead*headDim) f32 */
  out: Binding;
  step: Binding;
  /** Most tokens per step (rows of q and out); each step runs min(step.tokens, tokens). */
  tokens: number;
  /** Defaults to 1 / sqrt(headDim). */
  scale?: number;
  /** Defaults to the device's capability. */
  subgroups?: boolean;
}

export interface AttentionDecodeArgs extends AttentionShape {
  /** (1, nHead*headDim) f32, RoPE applied: the token at position step.kv_len - 1. */
  q: Binding;
  kCache: Binding;
  vCache: Binding;
  /** (1, nHead*headDim) f32 */
  out: Binding;
  step: Binding;
  /**
   * `attentionDecodeScratchBytes` bytes for the split partials; layers decoded one after another may
   * share one. When absent the dispatch allocates (and owns) its own.
   */
  scratch?: Binding;
  scale?: number;
  subgroups?: boolean;
}

/** Appends this step's k and v rows to one layer's cache at rows step.pos .. step.pos + step.tokens - 1. */
export async function kvWrite(ctx: GpuContext, a: KvWriteArgs): Promise<Dispatch> {
  const source = kvWriteKernel({ cacheDtype: a.cacheDtype });
  requireKvShape(source.label, a);
  requireTokens(source.label, a.tokens, a.ctx);
  const rowBytes = a.nKvHead * a.headDim * 4;
  requireBytes(source.label, 'k', a.k, a.tokens * rowBytes);
  requireBytes(source.label, 'v', a.v, a.tokens * rowBytes);
  requireCache(source.label, a);
  requireBytes(source.label, 'step', a.step, STEP_BYTES);
  const kvPairs = (a.nKvHead * a.headDim) / 2;
  const params = uniformBuffer(ctx, `${source.label}_params`, [kvPairs, a.ctx, a.tokens]);
  const workgroups = grid(ctx, Math.ceil((a.tokens * kvPairs) / ATTENTION.workgroupSize));
  return prepareDispatch(ctx, source, [a.k, a.v, a.kCache, a.vCache, a.step, params], workgroups, [params]);
}

/** Causal attention of up to `tokens` queries at positions step.pos.. over the cache (prefill, chunked prefill). */
export async function attentionPrefill(ctx: GpuContext, a: AttentionPrefillArgs): Promise<Dispatch> {
  const source = attentionPrefillKernel({
    cacheDtype: a.cacheDtype,
    subgroups: a.subgroups ?? ctx.caps.subgroups,
    headDim: a.headDim,
  });
  requireAttentionShape(source.label, a);
  requireTokens(source.label, a.tokens, a.ctx);
  const rowBytes = a.nHead * a.headDim * 4;
  requireBytes(source.label, 'q', a.q, a.tokens * rowBytes);
  requireBytes(source.label, 'out', a.out, a.tokens * rowBytes);
  requireCache(source.label, a);
  requireBytes(source.label, 'step', a.step, STEP_BYTES);
  const scale = a.scale ?? 1 / Math.sqrt(a.headDim);
  const params = uniformBuffer(ctx, `${source.label}_params`, [a.nHead, a.nKvHead, a.ctx, a.tokens, { f32: scale }]);
  const workgroups = [Math.ceil(a.tokens / ATTENTION.prefillQueries), a.nHead, 1] as const;
  return prepareDispatch(ctx, source, [a.q, a.kCache, a.vCache, a.out, a.step, params], workgroups, [params]);
}

/**
 * Attention of one new token (position step.kv_len - 1) over step.kv_len cache rows, split-K:
 * [partials over splits of the keys, combine]. Both dispatches are sized for `ctx` and read
 * kv_len from the step buffer, so they replay unchanged every token.
 */
export async function attentionDecode(ctx: GpuContext, a: AttentionDecodeArgs): Promise<Dispatch[]> {
  const subgroups = a.subgroups ?? ctx.caps.subgroups;
  const groupHeads = decodeGroupHeads(a.nHead, a.nKvHead);
  const source = attentionDecodeKernel({ cacheDtype: a.cacheDtype, subgroups, headDim: a.headDim, groupHeads });
  requireAttentionShape(source.label, a);
  const rowBytes = a.nHead * a.headDim * 4;
  requireBytes(source.label, 'q', a.q, rowBytes);
  requireBytes(source.label, 'out', a.out, rowBytes);
  requireCache(source.label, a);
  requireBytes(source.label, 'step', a.step, STEP_BYTES);
  const scratchBytes = attentionDecodeScratchBytes(a);
  if (a.scratch) requireBytes(source.label, 'scratch', a.scratch, scratchBytes);
  const ownScratch = a.scratch
    ? undefined
    : await ctx.createBuffer(`${source.label}_partials`, scratchBytes, Usage.STORAGE);
  const scratch = a.scratch ?? ownScratch!;
  const maxSplits = decodeMaxSplits(a.ctx);
  const scale = a.scale ?? 1 / Math.sqrt(a.headDim);
  const min = ATTENTION.decodeMinChunk;
  const params = uniformBuffer(ctx, `${source.label}_params`, [
    a.nHead,
    a.nKvHead,
    a.ctx,
    maxSplits,
    min,
    { f32: scale },
  ]);
  const owned = ownScratch ? [params, ownScratch] : [params];
  const partial = await prepareDispatch(
    ctx,
    source,
    [a.q, a.kCache, a.vCache, scratch, a.step, params],
    [maxSplits, a.nHead / groupHeads, 1],
    owned,
  );
  const combine = attentionCombineKernel({ subgroups });
  const combineParams = uniformBuffer(ctx, `${combine.label}_params`, [a.ctx, maxSplits, min, a.headDim / 2]);
  const merged = await prepareDispatch(
    ctx,
    combine,
    [scratch, a.out, a.step, combineParams],
    [a.nHead, 1, 1],
    [combineParams],
  );
  return [partial, merged];
}

/** Bytes of the decode partials: (nHead, maxSplits(ctx), headDim/2 + 1) vec2<f32>. */
export function attentionDecodeScratchBytes(s: { nHead: number; headDim: number; ctx: number }): number {
  return s.nHead * decodeMaxSplits(s.ctx) * (s.headDim + 2) * 4;
}

/** Cache bytes one layer's attention reads for kvLen keys: all K and V rows, once (GQA heads share them). */
export function attentionBytesRead(kvLen: number, nKvHead: number, headDim: number, cacheDtype: KvCacheDtype): number {
  return 2 * kvLen * nKvHead * headDim * kvBytesPerValue(cacheDtype);
}

function requireKvShape(kernel: string, s: KvCacheShape): void {
  requirePositiveInt(kernel, 'nKvHead', s.nKvHead);
  requirePositiveInt(kernel, 'headDim', s.headDim);
  requirePositiveInt(kernel, 'ctx', s.ctx);
  if (s.headDim % 2 !== 0 || s.headDim > ATTENTION.maxHeadDim) {
    throw invalid(kernel, `headDim must be even and at most ${ATTENTION.maxHeadDim}, got ${s.headDim}`, {
      headDim: s.headDim,
    });
  }
}

function requireAttentionShape(kernel: string, s: AttentionShape): void {
  requireKvShape(kernel, s);
  requirePositiveInt(kernel, 'nHead', s.nHead);
  if (s.nHead % s.nKvHead !== 0) {
    throw invalid(kernel, `nHead ${s.nHead} is not a multiple of nKvHead ${s.nKvHead}`, {
      nHead: s.nHead,
      nKvHead: s.nKvHead,
    });
  }
}

function requireTokens(kernel: string, tokens: number, ctxRows: number): void {
  requirePositiveInt(kernel, 'tokens', tokens);
  if (tokens > ctxRows) {
    throw new RuntimeError(
      'CONTEXT_OVERFLOW',
      `kernel '${kernel}': ${tokens} tokens per step exceed the cache's ${ctxRows} rows`,
      {
        details: { kernel, tokens, ctx: ctxRows },
      },
    );
  }
}

function requireCache(kernel: string, a: KvCacheShape & { kCache: Binding; vCache: Binding }): void {
  const bytes = a.ctx * a.nKvHead * a.headDim * kvBytesPerValue(a.cacheDtype);
  requireBytes(kernel, 'kCache', a.kCache, bytes);
  requireBytes(kernel, 'vCache', a.vCache, bytes);
}

function invalid(kernel: string, message: string, details: Record<string, unknown>): RuntimeError {
  return new RuntimeError('INVALID_ARGUMENT', `kernel '${kernel}': ${message}`, { details: { kernel, ...details } });
}
