/**
 * RoPE fused with the KV append (ropeKv) against the two launches it
 * replaces (rope on q and k, then kvWrite): q, the K cache and the V cache
 * must come out bit for bit the same, k must be left unrotated, and cache
 * rows outside the step must stay untouched (guards around every buffer).
 */
import { isRuntimeError } from '@webseek/api';
import { type GpuContext, kvWrite, llama3RopeFactors, rope, ropeKv, runDispatches, StepBuffer } from '@webseek/gpu';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { guarded, testContext } from '../support/gpu.ts';

const CTX = 24;
const MAX_TOKENS = 4;

interface Case {
  pairing: 'adjacent' | 'halves';
  cacheDtype: 'f16' | 'f32';
  headDim: number;
  nHeads: number;
  nKvHeads: number;
  factors: boolean;
  pos: number;
  tokens: number;
}

const CASES: Case[] = [
  { pairing: 'halves', cacheDtype: 'f16', headDim: 64, nHeads: 6, nKvHeads: 2, factors: false, pos: 0, tokens: 4 },
  { pairing: 'halves', cacheDtype: 'f32', headDim: 10, nHeads: 3, nKvHeads: 3, factors: false, pos: 7, tokens: 3 },
  { pairing: 'adjacent', cacheDtype: 'f16', headDim: 64, nHeads: 8, nKvHeads: 2, factors: true, pos: 19, tokens: 1 },
  { pairing: 'adjacent', cacheDtype: 'f32', headDim: 6, nHeads: 7, nKvHeads: 1, factors: false, pos: 21, tokens: 4 },
  { pairing: 'halves', cacheDtype: 'f16', headDim: 128, nHeads: 4, nKvHeads: 2, factors: true, pos: 22, tokens: 4 },
];

async function buffers(ctx: GpuContext, c: Case, seed: number) {
  const qw = c.nHeads * c.headDim;
  const kvw = c.nKvHeads * c.headDim;
  const cacheBytes = CTX * kvw * (c.cacheDtype === 'f16' ? 2 : 4);
  const x = {
    q: ref.uniform(MAX_TOKENS * qw, seed, -2, 2),
    k: ref.uniform(MAX_TOKENS * kvw, seed + 1, -2, 2),
    v: ref.uniform(MAX_TOKENS * kvw, seed + 2, -2, 2),
    cache: new Uint32Array(cacheBytes / 4).map((_, i) => (i * 2654435761) >>> 0),
  };
  return {
    q: await guarded(ctx, 'q', x.q.byteLength, x.q),
    k: await guarded(ctx, 'k', x.k.byteLength, x.k),
    v: await guarded(ctx, 'v', x.v.byteLength, x.v),
    kCache: await guarded(ctx, 'k_cache', cacheBytes, x.cache),
    vCache: await guarded(ctx, 'v_cache', cacheBytes, x.cache),
    x,
  };
}

describe('ropeKv (RoPE + KV append in one launch)', () => {
  for (const c of CASES) {
    const name = `${c.pairing} ${c.cacheDtype} cache, headDim ${c.headDim}, ${c.nHeads}/${c.nKvHeads} heads${c.factors ? ', freq factors' : ''}, ${c.tokens} tokens at pos ${c.pos}`;
    it(name, async () => {
      const ctx = await testContext();
      const step = new StepBuffer(ctx);
      // The cache holds CTX rows: tokens past it are skipped by both paths.
      step.write({ pos: c.pos, tokens: c.tokens });
      const base = 10000;
      const ff = c.factors
        ? await ctx.upload(
            'ff',
            llama3RopeFactors({
              factor: 8,
              lowFreqFactor: 1,
              highFreqFactor: 4,
              originalMaxPositionEmbeddings: 64,
              base,
              headDim: c.headDim,
            }),
          )
        : undefined;
      const shape = { step: step.buffer, tokens: MAX_TOKENS, nHeads: c.nHeads, nKvHeads: c.nKvHeads };
      const ropeArgs = { ...shape, headDim: c.headDim, base, pairing: c.pairing, ...(ff ? { freqFactors: ff } : {}) };
      const kv = { nKvHead: c.nKvHeads, headDim: c.headDim, ctx: CTX, cacheDtype: c.cacheDtype };

      const two = await buffers(ctx, c, 3);
      await runDispatches(ctx, [
        await rope(ctx, { ...ropeArgs, q: two.q.binding, k: two.k.binding }),
        await kvWrite(ctx, {
          ...kv,
          k: two.k.binding,
          v: two.v.binding,
          kCache: two.kCache.binding,
          vCache: two.vCache.binding,
          step: step.buffer,
          tokens: MAX_TOKENS,
        }),
      ]);
      const one = await buffers(ctx, c, 3);
      const fused = await ropeKv(ctx, {
        ...ropeArgs,
        q: one.q.binding,
        k: one.k.binding,
        v: one.v.binding,
        kCache: one.kCache.binding,
        vCache: one.vCache.binding,
        ctx: CTX,
        cacheDtype: c.cacheDtype,
      });
      await runDispatches(ctx, [fused]);

      expect(fused.label).toContain(`kv_${c.cacheDtype}`);
      expect(await one.q.readU32(), 'q').toEqual(await two.q.readU32());
      expect(await one.kCache.readU32(), 'K cache').toEqual(await two.kCache.readU32());
      expect(await one.vCache.readU32(), 'V cache').toEqual(await two.vCache.readU32());
      expect(await one.k.readF32(), 'k is left unrotated').toEqual(one.x.k);
      // Not vacuous: the step's rows changed, the others did not.
      const rowWords = (c.nKvHeads * c.headDim) / (c.cacheDtype === 'f16' ? 2 : 1);
      const after = await one.kCache.readU32();
      const changed = (r: number) =>
        after.slice(r * rowWords, (r + 1) * rowWords).some((w, i) => w !== one.x.cache[r * rowWords + i]);
      for (let r = 0; r < CTX; r++) expect(changed(r), `row ${r}`).toBe(r >= c.pos && r < c.pos + c.tokens);
      step.dispose();
    });
  }

  it('refuses caches too small for ctx and a cache bound over an input', async () => {
    const ctx = await testContext();
    const step = new StepBuffer(ctx);
    const buf = (n: number) => ctx.upload('b', new Float32Array(n));
    const args = {
      step: step.buffer,
      tokens: 2,
      nHeads: 2,
      nKvHeads: 1,
      headDim: 8,
      base: 10000,
      pairing: 'halves' as const,
      q: await buf(32),
      k: await buf(16),
      v: await buf(16),
      ctx: 10,
      cacheDtype: 'f16' as const,
    };
    const small = await ropeKv(ctx, { ...args, kCache: await buf(39), vCache: await buf(40) }).catch((e: unknown) => e);
    expect(isRuntimeError(small, 'INVALID_ARGUMENT')).toBe(true);
    expect((small as Error).message).toMatch(/rope_halves_kv_f16.*'kCache'.*156 bytes.*160/);
    const v = await buf(40);
    const aliased = await ropeKv(ctx, { ...args, v, kCache: v, vCache: await buf(40) }).catch((e: unknown) => e);
    expect(isRuntimeError(aliased, 'INVALID_ARGUMENT')).toBe(true);
    expect((aliased as Error).message).toMatch(/'kCache' is written and overlaps an input/);
    step.dispose();
  });
});
