import step from '../common/step.wgsl?raw';
import { composeWgsl, type KernelSource, variantLabel } from '../compose.ts';
import combine from './combine.wgsl?raw';
import decode from './decode.wgsl?raw';
import decodeKv8F16 from './decode_kv8_f16.wgsl?raw';
import decodeKv8F32 from './decode_kv8_f32.wgsl?raw';
import decodeKv8Pairs from './decode_kv8_pairs.wgsl?raw';
import decodeMaxPlain from './decode_max_plain.wgsl?raw';
import decodeMaxSubgroup from './decode_max_sg.wgsl?raw';
import decodeSplits from './decode_splits.wgsl?raw';
import kvF16 from './kv_f16.wgsl?raw';
import kvF32 from './kv_f32.wgsl?raw';
import kvWrite from './kv_write.wgsl?raw';
import prefill from './prefill.wgsl?raw';
import quadPlain from './quad_plain.wgsl?raw';
import quadSubgroup from './quad_subgroup.wgsl?raw';

/** How a KV cache stores values: f32, or f16 packed two per u32 (half the memory and bandwidth). */
export type KvCacheDtype = 'f32' | 'f16';

/** Fixed shapes of the attention kernels, shared with the op verbs that size their dispatches. */
export const ATTENTION = {
  /** Threads per workgroup of the attention kernels (decode pass 1 sizes its own: 16 or 32). */
  workgroupSize: 64,
  /** Queries per prefill workgroup: one quad of threads per query. */
  prefillQueries: 16,
  /** Largest headDim: the prefill keeps a quarter of a head in registers per thread. */
  maxHeadDim: 256,
  /** Keys a decode split aims for before another split is started: one 128-key tile of decode.wgsl. */
  decodeMinChunk: 128,
  /** Most decode splits: bounds the partials scratch (attentionDecodeScratchBytes). */
  decodeMaxSplits: 64,
  /** Most q heads one decode workgroup serves from one kv head. */
  decodeMaxGroupHeads: 8,
} as const;

/** Bytes one value takes in a cache of this dtype. */
export function kvBytesPerValue(dtype: KvCacheDtype): number {
  return dtype === 'f16' ? 2 : 4;
}

/** The cache-dtype part: `KvPair`, `kv_unpack` and `kv_pack`, the one home of the f16 conversion. */
export function kvCachePart(dtype: KvCacheDtype): string {
  return dtype === 'f16' ? kvF16 : kvF32;
}

function quadPart(subgroups: boolean): string {
  return subgroups ? quadSubgroup : quadPlain;
}

/** Compile-time shape constants as a WGSL part: private arrays need `const` sizes, not overrides. */
function constPart(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([name, v]) => `const ${name}: u32 = ${v}u;`)
    .join('\n');
}

export interface KvWriteKey {
  cacheDtype: KvCacheDtype;
}

/**
 * Bindings: 0 k (T, nKvHead*headDim) f32, 1 v (same), 2 kCache, 3 vCache (ctx, nKvHead*headDim)
 * in `cacheDtype`, 4 step: Step, 5 uniform {kvPairs, ctx, maxTokens}. One thread per value pair.
 */
export function kvWriteKernel({ cacheDtype }: KvWriteKey): KernelSource {
  return {
    label: variantLabel('kv_write', cacheDtype),
    code: composeWgsl({ parts: [step, kvCachePart(cacheDtype), kvWrite] }),
    constants: { WG: ATTENTION.workgroupSize },
  };
}

export interface AttentionKey {
  cacheDtype: KvCacheDtype;
  subgroups: boolean;
  /** Even, at most ATTENTION.maxHeadDim. */
  headDim: number;
}

/**
 * Keys per prefill tile: 16, fewer for headDim > 128 so a (BK, headDim) f32 tile stays within
 * 8 KiB of workgroup memory (4 KiB for f16). Small tiles also keep pipeline creation fast where
 * Dawn zero-initializes workgroup memory in generated code (SwiftShader: cost grows with size).
 */
export function prefillKeysPerTile(headDim: number): number {
  return Math.max(4, Math.min(16, Math.floor(2048 / headDim / 4) * 4));
}

/**
 * Bindings: 0 q (T, nHead*headDim) f32, 1 kCache, 2 vCache (ctx, nKvHead*headDim) in `cacheDtype`,
 * 3 out (T, nHead*headDim) f32, 4 step: Step, 5 uniform {nHead, nKvHead, ctx, maxTokens, scale}.
 * Dispatch: (ceil(T / ATTENTION.prefillQueries), nHead, 1).
 */
export function attentionPrefillKernel({ cacheDtype, subgroups, headDim }: AttentionKey): KernelSource {
  const hp = headDim / 2;
  const shape = {
    WG: ATTENTION.workgroupSize,
    HD: headDim,
    HP: hp,
    NP: Math.ceil(hp / 4),
    BK: prefillKeysPerTile(headDim),
  };
  return {
    label: variantLabel('attn_prefill', cacheDtype, `hd${headDim}`, subgroups && 'sg'),
    code: composeWgsl({
      subgroups,
      parts: [step, constPart(shape), kvCachePart(cacheDtype), quadPart(subgroups), prefill],
    }),
  };
}

export interface AttentionDecodeKey extends AttentionKey {
  /** Q heads per workgroup: a divisor of nHead / nKvHead (see `decodeGroupHeads`). */
  groupHeads: number;
}

/** The most q heads (≤ ATTENTION.decodeMaxGroupHeads) that evenly divide a kv head's group. */
export function decodeGroupHeads(nHead: number, nKvHead: number): number {
  const group = nHead / nKvHead;
  for (let g = Math.min(group, ATTENTION.decodeMaxGroupHeads); g > 1; g--) if (group % g === 0) return g;
  return 1;
}

/** Split workgroups to dispatch for a cache of `ctx` rows; each step uses as many as its kv_len needs. */
export function decodeMaxSplits(ctx: number): number {
  return Math.max(1, Math.min(ATTENTION.decodeMaxSplits, Math.ceil(ctx / ATTENTION.decodeMinChunk)));
}

/**
 * Pass 1 of decode. Bindings: 0 q (1, nHead*headDim) f32, 1 kCache, 2 vCache (ctx, nKvHead*headDim)
 * in `cacheDtype`, 3 partials (nHead, maxSplits, headDim/2 + 1) vec2<f32>, 4 step: Step,
 * 5 uniform {nHead, nKvHead, ctx, maxSplits, minChunk, scale}.
 * Dispatch: (maxSplits, nHead / groupHeads, 1).
 */
export function attentionDecodeKernel({
  cacheDtype,
  subgroups,
  headDim,
  groupHeads,
}: AttentionDecodeKey): KernelSource {
  const d8 = Math.ceil(headDim / 8);
  // One 8-dim group per thread in the value phase: 16 threads, 32 for headDim > 128.
  const shape = {
    WG: Math.max(16, 2 ** Math.ceil(Math.log2(d8))),
    HD: headDim,
    HP: headDim / 2,
    D8: d8,
    QG: groupHeads,
  };
  return {
    label: variantLabel('attn_decode', cacheDtype, `hd${headDim}`, `g${groupHeads}`, subgroups && 'sg'),
    code: composeWgsl({
      subgroups,
      parts: [
        step,
        constPart(shape),
        decodeSplits,
        ...decodeKvParts(cacheDtype, headDim),
        decode,
        subgroups ? decodeMaxSubgroup : decodeMaxPlain,
      ],
    }),
  };
}

/** Decode's K/V loader: one 16-byte load per 8 values when head rows are whole 8-value groups. */
function decodeKvParts(cacheDtype: KvCacheDtype, headDim: number): string[] {
  if (headDim % 8 !== 0) return [kvCachePart(cacheDtype), decodeKv8Pairs];
  return [cacheDtype === 'f16' ? decodeKv8F16 : decodeKv8F32];
}

/**
 * Pass 2 of decode. Bindings: 0 partials (nHead, maxSplits, headDim/2 + 1) vec2<f32>,
 * 1 out (1, nHead*headDim) f32, 2 step: Step, 3 uniform {ctx, maxSplits, minChunk, headDim/2}.
 * Dispatch: (nHead, 1, 1). Nothing is reduced across threads, so one kernel serves devices
 * with and without subgroups (`subgroups` is accepted for symmetry with pass 1).
 */
export function attentionCombineKernel(_key: { subgroups: boolean }): KernelSource {
  return {
    label: 'attn_combine',
    code: composeWgsl({ parts: [step, decodeSplits, combine] }),
    constants: { WG: ATTENTION.workgroupSize },
  };
}
