/**
 * Stacked projections: q, k and v (or gate and up) uploaded from their GGUF
 * bytes into one matrix (uploadGgufStack), projected in one launch whose
 * split epilogue writes three outputs. Each output must equal its own
 * matrix's product on the CPU, for one token (matvec) and a prefill chunk
 * (matmul), with and without the stacked bias, with guards around every output.
 */
import { isRuntimeError } from '@webseek/api';
import { type GgmlTypeName, ggmlBytes, ggmlType } from '@webseek/formats';
import { canStack, type GgufMatrix, matMul, matVec, runDispatches, uploadGgufStack } from '@webseek/gpu';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { guarded, testContext } from '../support/gpu.ts';

const REL = 2e-6;

/** Row counts of q, k, v: uneven widths, none a multiple of a matvec team. */
const ROWS = [38, 14, 14] as const;

interface Part {
  raw: Uint8Array;
  dense: Float32Array;
  n: number;
}

function parts(type: GgmlTypeName, k: number): Part[] {
  return ROWS.map((n, i) => {
    const raw = ref.randomGgufTensor(type, k, n, 100 + i);
    return { raw, dense: ref.dequantizeMatrix(type, raw, k, n), n };
  });
}

function matrices(type: GgmlTypeName, k: number, ps: Part[]): GgufMatrix[] {
  const rowBytes = ggmlBytes(ggmlType(type).id, k);
  return ps.map((p, i) => ({
    label: `part${i}`,
    ggmlType: ggmlType(type).id,
    k,
    n: p.n,
    readRows: async (row0, rows) => p.raw.slice(row0 * rowBytes, (row0 + rows) * rowBytes),
  }));
}

async function checkStacked(type: GgmlTypeName, k: number, m: number, withBias: boolean): Promise<void> {
  const ctx = await testContext();
  const ps = parts(type, k);
  // A small chunk size: parts span several upload chunks, seams fall inside chunks' neighbours.
  const w = await uploadGgufStack(ctx, `stack_${type}`, matrices(type, k, ps), 6 * ggmlBytes(ggmlType(type).id, k));
  const n = ROWS.reduce((a, b) => a + b, 0);
  const x = ref.uniform(m * k, 7, -1, 1);
  const bias = ref.uniform(n, 8, -1, 1);
  const outs = await Promise.all(ps.map((p, i) => guarded(ctx, `y${i}`, m * p.n * 4)));
  const split = { at: [ROWS[0], ROWS[0] + ROWS[1]] as const, y1: outs[1]!.binding, y2: outs[2]!.binding };
  const args = {
    w,
    x: await ctx.upload('x', x),
    y: outs[0]!.binding,
    split,
    ...(withBias ? { bias: await ctx.upload('bias', bias) } : {}),
  };
  const d = m === 1 ? await matVec(ctx, args) : await matMul(ctx, { ...args, m });
  expect(d.label).toContain(withBias ? 'bias_split' : 'split');
  await runDispatches(ctx, [d]);
  let column = 0;
  for (const [i, p] of ps.entries()) {
    const want = ref.matMul(x, p.dense, m, k, p.n);
    const scale = ref.matMulAbs(x, p.dense, m, k, p.n);
    const got = await outs[i]!.readF32();
    for (let r = 0; r < m * p.n; r++) {
      const b = withBias ? bias[column + (r % p.n)]! : 0;
      const err = Math.abs(got[r]! - (want[r]! + b));
      expect(err, `${d.label} output ${i} [${r}]: got ${got[r]} want ${want[r]! + b}`).toBeLessThanOrEqual(
        REL * (scale[r]! + Math.abs(b) + 1) + 1e-7,
      );
    }
    column += p.n;
  }
}

describe('stacked projections (one upload, one launch, three outputs)', () => {
  for (const [type, k] of [
    ['q4_0', 96],
    ['q8_0', 64],
    ['q4_k', 256],
    ['q6_k', 256],
    ['f16', 40],
    ['f32', 24],
  ] as const) {
    for (const m of [1, 5]) {
      it(`${type} K=${k} rows ${ROWS.join('+')} M=${m} with and without bias`, async () => {
        await checkStacked(type, k, m, false);
        await checkStacked(type, k, m, true);
      });
    }
  }

  it('stacks only one type, one row length and even row counts', async () => {
    const ctx = await testContext();
    const q4 = ggmlType('q4_0').id;
    const q8 = ggmlType('q8_0').id;
    expect(
      canStack(ctx, [
        { ggmlType: q4, k: 64, n: 8 },
        { ggmlType: q4, k: 64, n: 4 },
      ]),
    ).toBe(true);
    expect(
      canStack(ctx, [
        { ggmlType: q4, k: 64, n: 8 },
        { ggmlType: q8, k: 64, n: 4 },
      ]),
    ).toBe(false);
    expect(
      canStack(ctx, [
        { ggmlType: q4, k: 64, n: 8 },
        { ggmlType: q4, k: 96, n: 4 },
      ]),
    ).toBe(false);
    expect(
      canStack(ctx, [
        { ggmlType: q4, k: 64, n: 7 },
        { ggmlType: q4, k: 64, n: 4 },
      ]),
    ).toBe(false);
    const mixed = [...matrices('q4_0', 64, parts('q4_0', 64)).slice(0, 1), ...matrices('q8_0', 64, parts('q8_0', 64))];
    const error = await uploadGgufStack(ctx, 'mixed', mixed).catch((e: unknown) => e);
    expect(isRuntimeError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/mixed.*part0.*cannot be stacked/);
  });

  it('a two-way split (q and k stacked, v apart) leaves y2 out', async () => {
    const ctx = await testContext();
    const ps = parts('q4_k', 256).slice(0, 2);
    const w = await uploadGgufStack(ctx, 'qk', matrices('q4_k', 256, ps));
    const x = ref.uniform(256, 9, -1, 1);
    const outs = await Promise.all(ps.map((p, i) => guarded(ctx, `y${i}`, p.n * 4)));
    const d = await matVec(ctx, {
      w,
      x: await ctx.upload('x', x),
      y: outs[0]!.binding,
      split: { at: [ROWS[0], ROWS[0] + ROWS[1]], y1: outs[1]!.binding },
    });
    await runDispatches(ctx, [d]);
    for (const [i, p] of ps.entries()) {
      const want = ref.matVec(p.dense, x, 256, p.n);
      const scale = ref.matVecAbs(p.dense, x, 256, p.n);
      const got = await outs[i]!.readF32();
      for (const [r, g] of got.entries()) {
        expect(Math.abs(g - want[r]!)).toBeLessThanOrEqual(REL * (scale[r]! + 1) + 1e-7);
      }
    }
  });

  it('refuses split points outside the columns, and a split that accumulates', async () => {
    const ctx = await testContext();
    const w = await uploadGgufStack(ctx, 'w', matrices('f32', 24, parts('f32', 24)));
    const buf = () => ctx.upload('b', new Float32Array(64));
    const base = { w, x: await buf(), y: await buf() };
    const bad = await matVec(ctx, { ...base, split: { at: [40, 38], y1: await buf(), y2: await buf() } }).catch(
      (e: unknown) => e,
    );
    expect(isRuntimeError(bad, 'INVALID_ARGUMENT')).toBe(true);
    expect((bad as Error).message).toMatch(/matvec_f32.*split points \[40, 38\].*<= n = 66/);
    const acc = await matMul(ctx, {
      ...base,
      m: 1,
      accumulate: true,
      split: { at: [38, 52], y1: await buf(), y2: await buf() },
    }).catch((e: unknown) => e);
    expect(isRuntimeError(acc, 'INVALID_ARGUMENT')).toBe(true);
    expect((acc as Error).message).toMatch(/cannot accumulate/);
  });
});
