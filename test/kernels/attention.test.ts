import { isRuntimeError } from '@webseek/api';
import {
  attentionBytesRead,
  attentionDecode,
  attentionPrefill,
  type GpuContext,
  type KvCacheDtype,
  kvWrite,
  runDispatches,
  StepBuffer,
  Usage,
} from '@webseek/gpu';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { expectClose, type GuardedBuffer, guarded, testContext } from '../support/gpu.ts';

// Scores are f32 dot products of up to 128 terms (q in [-4, 4], k and v in [-1, 1], so the
// softmax is far from flat); the GPU's exp and summation order differ from the f64 reference:
// observed max |err| 4.5e-7 here. The bound leaves ~10x margin, while a wrong mask, tile edge or
// split boundary moves outputs by > 1e-3. f16 caches are compared against a reference fed the
// same f16-rounded k/v, so the tolerance stays the same.
const TOL = { atol: 5e-6, rtol: 1e-5 };
// Cache words written by kvWrite: bit-exact (f16 = round to nearest even, as pack2x16float).
const EXACT = { atol: 0, rtol: 0 };
const IN = Usage.STORAGE | Usage.COPY_DST;

interface Heads {
  nHead: number;
  nKvHead: number;
  headDim: number;
}
const GQA3_HD40: Heads = { nHead: 3, nKvHead: 1, headDim: 40 };
const MHA_HD64: Heads = { nHead: 4, nKvHead: 4, headDim: 64 };
const GQA4_HD128: Heads = { nHead: 8, nKvHead: 2, headDim: 128 };
const GQA3_HD72: Heads = { nHead: 6, nKvHead: 2, headDim: 72 };
const SHAPE_NAME = (h: Heads) => `${h.nHead}q/${h.nKvHead}kv hd${h.headDim}`;

/** Cache contents as the GPU stores them, and the values a reference should read. */
function cacheData(values: Float32Array, dtype: KvCacheDtype): { bits: Uint32Array; seen: Float32Array } {
  if (dtype === 'f16') return { bits: ref.packF16Pairs(values), seen: ref.roundToF16(values) };
  return { bits: new Uint32Array(values.buffer.slice(0)), seen: values };
}

function cacheBytes(ctxRows: number, h: Heads, dtype: KvCacheDtype): number {
  return ctxRows * h.nKvHead * h.headDim * (dtype === 'f16' ? 2 : 4);
}

/** A cache in a guarded buffer; unwritten rows hold the guard's NaN pattern, which must never leak. */
function guardedCache(
  ctx: GpuContext,
  label: string,
  rows: number,
  h: Heads,
  dtype: KvCacheDtype,
  initial?: Float32Array,
) {
  return guarded(ctx, label, cacheBytes(rows, h, dtype), initial && cacheData(initial, dtype).bits);
}

async function readCacheValues(cache: GuardedBuffer, dtype: KvCacheDtype, count: number): Promise<Uint32Array> {
  const words = await cache.readU32();
  return words.slice(0, dtype === 'f16' ? count / 2 : count);
}

describe('kvWrite', () => {
  for (const cacheDtype of ['f32', 'f16'] as const) {
    it(`${cacheDtype}: writes rows pos..pos+T-1 exactly and nothing else, replayed with new pos/tokens`, async () => {
      const ctx = await testContext();
      const h = GQA3_HD72;
      const ctxRows = 45;
      const maxTokens = 7;
      const row = h.nKvHead * h.headDim;
      const before = ref.uniform(ctxRows * row, 10, -2, 2);
      const k = ref.uniform(maxTokens * row, 11, -3, 3);
      const v = ref.uniform(maxTokens * row, 12, -3, 3);
      const kBuf = await ctx.upload('k', k);
      const vBuf = await ctx.upload('v', v);
      const kCache = await guardedCache(ctx, 'k_cache', ctxRows, h, cacheDtype, before);
      const vCache = await guardedCache(ctx, 'v_cache', ctxRows, h, cacheDtype, before);
      const step = new StepBuffer(ctx);
      const d = await kvWrite(ctx, {
        ...h,
        ctx: ctxRows,
        cacheDtype,
        k: kBuf,
        v: vBuf,
        kCache: kCache.binding,
        vCache: vCache.binding,
        step: step.buffer,
        tokens: maxTokens,
      });
      const expectK = before.slice();
      const expectV = before.slice();
      // Step 1: a full batch at pos 31. Step 2: 3 tokens at pos 42, up to the last row.
      for (const [pos, tokens] of [
        [31, 7],
        [42, 3],
      ] as const) {
        step.write({ pos, tokens });
        await runDispatches(ctx, [d]);
        expectK.set(k.subarray(0, tokens * row), pos * row);
        expectV.set(v.subarray(0, tokens * row), pos * row);
      }
      const n = ctxRows * row;
      expectClose(await readCacheValues(kCache, cacheDtype, n), cacheData(expectK, cacheDtype).bits, EXACT, d.label);
      expectClose(await readCacheValues(vCache, cacheDtype, n), cacheData(expectV, cacheDtype).bits, EXACT, d.label);
      step.dispose();
    });
  }
});

// Each kernel variant (cache dtype x subgroups) runs two head shapes, so that every T, head
// size and GQA ratio meets both dtypes and both reduction variants without compiling all
// 16 combinations (SwiftShader's pipeline creation dominates this file's time).
const VARIANTS: { cacheDtype: KvCacheDtype; subgroups: boolean; shapes: [Heads, Heads] }[] = [
  { cacheDtype: 'f32', subgroups: false, shapes: [GQA3_HD40, GQA3_HD72] },
  { cacheDtype: 'f32', subgroups: true, shapes: [MHA_HD64, GQA4_HD128] },
  { cacheDtype: 'f16', subgroups: false, shapes: [MHA_HD64, GQA4_HD128] },
  { cacheDtype: 'f16', subgroups: true, shapes: [GQA3_HD40, GQA3_HD72] },
];
const variantName = (v: (typeof VARIANTS)[number]) => `${v.cacheDtype} ${v.subgroups ? 'subgroup' : 'plain'}`;

describe('attentionPrefill', () => {
  // T = 1 and 5 (one partial query tile), 67 (five query tiles, several key tiles, ragged
  // ends), 130 (nine query tiles); pos = 0. Then a chunk continuing a cache.
  const T_BY_SHAPE: [number[], number[]] = [
    [1, 67],
    [5, 130],
  ];
  for (const [vi, v] of VARIANTS.entries()) {
    for (const [si, heads] of v.shapes.entries()) {
      // The two variants sharing a shape pair swap T lists, so each T meets each head shape.
      for (const T of T_BY_SHAPE[(si + vi) % 2]!) {
        it(`${variantName(v)} ${SHAPE_NAME(heads)} T=${T} pos=0`, async () => {
          const ctx = await testContext();
          if (v.subgroups && !ctx.caps.subgroups) return;
          await prefillSteps(ctx, heads, v.cacheDtype, v.subgroups, T + 3, [{ pos: 0, tokens: T }]);
        });
      }
    }
    it(`${variantName(v)} ${SHAPE_NAME(v.shapes[1])} chunked: pos=37 T=20 continues a cache of 37 rows, same dispatches`, async () => {
      const ctx = await testContext();
      if (v.subgroups && !ctx.caps.subgroups) return;
      await prefillSteps(ctx, v.shapes[1], v.cacheDtype, v.subgroups, 61, [
        { pos: 0, tokens: 37 },
        { pos: 37, tokens: 20 },
      ]);
    });
  }
});

/**
 * Prepares kvWrite + attentionPrefill once for max(tokens) rows, then runs each step with
 * fresh q/k/v (only the buffers' contents and the step uniform change) and checks it.
 */
async function prefillSteps(
  ctx: GpuContext,
  h: Heads,
  cacheDtype: KvCacheDtype,
  subgroups: boolean,
  ctxRows: number,
  steps: { pos: number; tokens: number }[],
): Promise<void> {
  const maxTokens = Math.max(...steps.map((s) => s.tokens));
  const qRow = h.nHead * h.headDim;
  const kvRow = h.nKvHead * h.headDim;
  const qBuf = await ctx.createBuffer('q', maxTokens * qRow * 4, IN);
  const kBuf = await ctx.createBuffer('k', maxTokens * kvRow * 4, IN);
  const vBuf = await ctx.createBuffer('v', maxTokens * kvRow * 4, IN);
  const kCache = await guardedCache(ctx, 'k_cache', ctxRows, h, cacheDtype);
  const vCache = await guardedCache(ctx, 'v_cache', ctxRows, h, cacheDtype);
  const out = await guarded(ctx, 'out', maxTokens * qRow * 4);
  const step = new StepBuffer(ctx);
  const shape = { ...h, ctx: ctxRows, cacheDtype, kCache: kCache.binding, vCache: vCache.binding, step: step.buffer };
  const write = await kvWrite(ctx, { ...shape, k: kBuf, v: vBuf, tokens: maxTokens });
  const attend = await attentionPrefill(ctx, { ...shape, q: qBuf, out: out.binding, tokens: maxTokens, subgroups });
  const kSeen = new Float32Array(ctxRows * kvRow);
  const vSeen = new Float32Array(ctxRows * kvRow);
  for (const [i, { pos, tokens }] of steps.entries()) {
    const q = ref.uniform(tokens * qRow, 100 + i, -4, 4);
    const k = ref.uniform(tokens * kvRow, 200 + i, -1, 1);
    const v = ref.uniform(tokens * kvRow, 300 + i, -1, 1);
    ctx.write(qBuf, q);
    ctx.write(kBuf, k);
    ctx.write(vBuf, v);
    kSeen.set(cacheData(k, cacheDtype).seen, pos * kvRow);
    vSeen.set(cacheData(v, cacheDtype).seen, pos * kvRow);
    step.write({ pos, tokens });
    await runDispatches(ctx, [write, attend]);
    const got = (await out.readF32()).subarray(0, tokens * qRow);
    const want = ref.attention(q, kSeen, vSeen, { pos, T: tokens, ...h });
    expectClose(got, want, TOL, `${attend.label} pos=${pos} T=${tokens}`);
  }
  step.dispose();
}

describe('attentionDecode', () => {
  // One prepared pair of dispatches, replayed at each kv_len with only the Step buffer
  // (and q) rewritten: 1 and 2 keys (one split), 63 (one split, one partial tile),
  // 300 (3 splits of 112), 1000 (8 splits of 128, the last one short).
  const KV_LENS = [1, 2, 63, 300, 1000];
  const CTX = 1001;
  for (const v of VARIANTS) {
    for (const heads of v.shapes) {
      it(`${variantName(v)} ${SHAPE_NAME(heads)} kv_len ${KV_LENS.join(',')}`, async () => {
        const ctx = await testContext();
        if (v.subgroups && !ctx.caps.subgroups) return;
        await decodeSteps(ctx, heads, v.cacheDtype, v.subgroups, CTX, KV_LENS);
      });
    }
  }

  it('24q/2kv hd40: 6 q heads per workgroup, 2 workgroups per kv head; 4800 keys in 38 splits of 128', async () => {
    const ctx = await testContext();
    const subgroups = ctx.caps.subgroups;
    await decodeSteps(ctx, { nHead: 24, nKvHead: 2, headDim: 40 }, 'f32', subgroups, 4801, [1, 300, 4800]);
  });

  // The decode kernel's own shape paths: 8 q heads per workgroup (both vec4 halves of the
  // head packing), headDim not a multiple of 8 (the pair-by-pair KV loader, dims past the
  // head zero), headDim 256 (32 threads per workgroup). Rows past kv_len stay NaN-poisoned.
  for (const [h, cacheDtype, subgroups] of [
    [{ nHead: 16, nKvHead: 2, headDim: 64 }, 'f16', false],
    [{ nHead: 16, nKvHead: 2, headDim: 64 }, 'f32', true],
    [{ nHead: 4, nKvHead: 2, headDim: 42 }, 'f16', true],
    [{ nHead: 4, nKvHead: 2, headDim: 42 }, 'f32', false],
    [{ nHead: 2, nKvHead: 1, headDim: 256 }, 'f16', true],
  ] as const) {
    it(`${cacheDtype} ${subgroups ? 'subgroup' : 'plain'} ${SHAPE_NAME(h)} kv_len 1,65,211`, async () => {
      const ctx = await testContext();
      if (subgroups && !ctx.caps.subgroups) return;
      await decodeSteps(ctx, h, cacheDtype, subgroups, 213, [1, 65, 211]);
    });
  }

  it('f16 plain: kvWrite + decode token by token across a split boundary (pos 124..130)', async () => {
    const ctx = await testContext();
    const h = GQA3_HD72;
    const cacheDtype: KvCacheDtype = 'f16';
    const ctxRows = 135;
    const qRow = h.nHead * h.headDim;
    const kvRow = h.nKvHead * h.headDim;
    const prior = ref.uniform(124 * kvRow, 7, -1, 1);
    const kCache = await guardedCache(ctx, 'k_cache', ctxRows, h, cacheDtype, prior);
    const vCache = await guardedCache(ctx, 'v_cache', ctxRows, h, cacheDtype, prior);
    const kSeen = new Float32Array(ctxRows * kvRow);
    const vSeen = new Float32Array(ctxRows * kvRow);
    kSeen.set(ref.roundToF16(prior));
    vSeen.set(ref.roundToF16(prior));
    const [qBuf, kBuf, vBuf] = await Promise.all(
      [qRow, kvRow, kvRow].map((n, i) => ctx.createBuffer(`in${i}`, n * 4, IN)),
    );
    const out = await guarded(ctx, 'out', qRow * 4);
    const step = new StepBuffer(ctx);
    const shape = { ...h, ctx: ctxRows, cacheDtype, kCache: kCache.binding, vCache: vCache.binding, step: step.buffer };
    const write = await kvWrite(ctx, { ...shape, k: kBuf!, v: vBuf!, tokens: 1 });
    const attend = await attentionDecode(ctx, { ...shape, q: qBuf!, out: out.binding, subgroups: false });
    for (let pos = 124; pos <= 130; pos++) {
      const [q, k, v] = [qRow, kvRow, kvRow].map((n, i) => ref.uniform(n, pos * 3 + i, -1, 1)) as [
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      ctx.write(qBuf!, q);
      ctx.write(kBuf!, k);
      ctx.write(vBuf!, v);
      kSeen.set(ref.roundToF16(k), pos * kvRow);
      vSeen.set(ref.roundToF16(v), pos * kvRow);
      step.write({ pos, tokens: 1 });
      await runDispatches(ctx, [write, ...attend]);
      const want = ref.attention(q, kSeen, vSeen, { pos, T: 1, ...h });
      expectClose(await out.readF32(), want, TOL, `${attend[0]!.label} pos=${pos}`);
    }
    step.dispose();
  });
});

/** Decode over a full random cache; rows at and past kv_len are poisoned with NaN for each step. */
async function decodeSteps(
  ctx: GpuContext,
  h: Heads,
  cacheDtype: KvCacheDtype,
  subgroups: boolean,
  ctxRows: number,
  kvLens: number[],
): Promise<void> {
  const qRow = h.nHead * h.headDim;
  const kvRow = h.nKvHead * h.headDim;
  const k = ref.uniform(ctxRows * kvRow, 21, -1, 1);
  const v = ref.uniform(ctxRows * kvRow, 22, -1, 1);
  const kData = cacheData(k, cacheDtype);
  const vData = cacheData(v, cacheDtype);
  const kCache = await ctx.upload('k_cache', kData.bits);
  const vCache = await ctx.upload('v_cache', vData.bits);
  const qBuf = await ctx.createBuffer('q', qRow * 4, IN);
  const out = await guarded(ctx, 'out', qRow * 4);
  const step = new StepBuffer(ctx);
  const dispatches = await attentionDecode(ctx, {
    ...h,
    ctx: ctxRows,
    cacheDtype,
    q: qBuf,
    kCache,
    vCache,
    out: out.binding,
    step: step.buffer,
    subgroups,
  });
  const rowWords = kData.bits.length / ctxRows;
  for (const kvLen of kvLens) {
    const q = ref.uniform(qRow, kvLen, -4, 4);
    ctx.write(qBuf, q);
    const tail = kData.bits.length - kvLen * rowWords;
    const poison = new Uint32Array(tail).fill(0x7fc00000);
    ctx.write(kCache, poison, kvLen * rowWords * 4);
    ctx.write(vCache, poison, kvLen * rowWords * 4);
    step.write({ pos: kvLen - 1, tokens: 1 });
    await runDispatches(ctx, dispatches);
    ctx.write(kCache, kData.bits.subarray(kvLen * rowWords), kvLen * rowWords * 4);
    ctx.write(vCache, vData.bits.subarray(kvLen * rowWords), kvLen * rowWords * 4);
    const want = ref.attention(q, kData.seen, vData.seen, { pos: kvLen - 1, T: 1, ...h });
    expectClose(await out.readF32(), want, TOL, `${dispatches[0]!.label} kv_len=${kvLen}`);
  }
  step.dispose();
}

describe('attention validation', () => {
  async function buffers(ctx: GpuContext) {
    const big = await ctx.createBuffer('big', 1 << 16, IN);
    const small = await ctx.createBuffer('small', 64, IN);
    const step = new StepBuffer(ctx);
    return { big, small, step };
  }

  it('rejects more tokens per step than the cache holds, preparing nothing', async () => {
    const ctx = await testContext();
    const { big, step } = await buffers(ctx);
    const pipelines = ctx.pipelines.size;
    const shape = { ...GQA3_HD40, ctx: 8, cacheDtype: 'f16' as const, kCache: big, vCache: big, step: step.buffer };
    const e1 = await attentionPrefill(ctx, { ...shape, q: big, out: big, tokens: 9 }).catch((e) => e);
    const e2 = await kvWrite(ctx, { ...shape, k: big, v: big, tokens: 9 }).catch((e) => e);
    for (const e of [e1, e2]) {
      expect(isRuntimeError(e, 'CONTEXT_OVERFLOW')).toBe(true);
      expect(e.message).toMatch(/9 tokens per step exceed the cache's 8 rows/);
    }
    expect(e1.message).toMatch(/attn_prefill_f16_hd40/);
    expect(e2.message).toMatch(/kv_write_f16/);
    expect(ctx.pipelines.size).toBe(pipelines);
    step.dispose();
  });

  it('rejects odd or oversized headDim and nHead not a multiple of nKvHead', async () => {
    const ctx = await testContext();
    const { big, step } = await buffers(ctx);
    const base = { ctx: 4, cacheDtype: 'f32' as const, q: big, kCache: big, vCache: big, out: big, step: step.buffer };
    const odd = await attentionDecode(ctx, { ...base, nHead: 2, nKvHead: 1, headDim: 41 }).catch((e) => e);
    expect(isRuntimeError(odd, 'INVALID_ARGUMENT')).toBe(true);
    expect(odd.message).toMatch(/headDim must be even and at most 256, got 41/);
    const big256 = await attentionPrefill(ctx, { ...base, nHead: 1, nKvHead: 1, headDim: 258, tokens: 1 }).catch(
      (e) => e,
    );
    expect(big256.message).toMatch(/got 258/);
    const ratio = await attentionPrefill(ctx, { ...base, nHead: 6, nKvHead: 4, headDim: 8, tokens: 1 }).catch((e) => e);
    expect(isRuntimeError(ratio, 'INVALID_ARGUMENT')).toBe(true);
    expect(ratio.message).toMatch(/nHead 6 is not a multiple of nKvHead 4/);
    step.dispose();
  });

  it('rejects a cache smaller than ctx rows, naming the binding', async () => {
    const ctx = await testContext();
    const { big, small, step } = await buffers(ctx);
    const a = { ...MHA_HD64, ctx: 3, cacheDtype: 'f16' as const, q: big, out: big, step: step.buffer };
    const e = await attentionDecode(ctx, { ...a, kCache: big, vCache: small }).catch((err) => err);
    expect(isRuntimeError(e, 'INVALID_ARGUMENT')).toBe(true);
    expect(e.message).toMatch(/attn_decode_f16_hd64.*'vCache' holds 64 bytes but the shape needs 1536/);
    step.dispose();
  });

  it('attentionBytesRead counts K and V once per layer, half for f16', () => {
    expect(attentionBytesRead(1000, 2, 128, 'f32')).toBe(2 * 1000 * 2 * 128 * 4);
    expect(attentionBytesRead(1000, 2, 128, 'f16')).toBe(2 * 1000 * 2 * 128 * 2);
  });
});
