import { isRuntimeError } from '@webseek/api';
import { type GgmlTypeName, ggmlType } from '@webseek/formats';
import { type GpuContext, type GpuWeights, matVec, runDispatches, uploadWeights } from '@webseek/gpu';
import { type Precision, WEIGHT_TYPES, weightFormat } from '@webseek/kernels';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { guarded, testContext } from '../support/gpu.ts';

// The GPU sums the same exactly-decoded weights in f32 in another order than
// the f64 reference: |err| ≤ ~K·2^-24·Σ|w·x| in the worst case, ~√K·2^-24 in
// practice (measured: ≤ 7e-8·Σ|w·x| over all cases here). Per row we allow
// 1e-6·(Σ|w·x| + 2), the 2 covering |bias| and |y0| ≤ 1 added by the epilogues.
const F32_REL = 1e-6;
// f16 arithmetic rounds each weight, x and the 8-term chunk sums to 11 bits.
const F16_REL = 4e-3;

const { caps } = await testContext();

/** Odd shapes per type family: K not a multiple of 8 for floats, few blocks, N not a multiple of ROWS. */
function shapes(type: GgmlTypeName): [k: number, n: number][] {
  const block = ggmlType(type).blockValues;
  if (block === 1)
    return [
      [13, 7],
      [1000, 33],
    ];
  if (block === 32) return [[96, 37]];
  return [[768, 19]];
}

const EPILOGUES = [
  { name: 'none' },
  { name: 'bias', bias: true },
  { name: 'accumulate', accumulate: true },
  { name: 'bias+accumulate', bias: true, accumulate: true },
] as const;

describe('matVec', () => {
  for (const type of WEIGHT_TYPES) {
    for (const [k, n] of shapes(type)) {
      for (const subgroups of [false, true]) {
        for (const epi of EPILOGUES) {
          const name = `${type} K=${k} N=${n} ${subgroups ? 'subgroup' : 'plain'} ${epi.name}`;
          it.skipIf(subgroups && !caps.subgroups)(name, async () => {
            await checkMatVec(type, k, n, { subgroups, ...epi, precision: 'f32' });
          });
        }
      }
      it.skipIf(!caps.shaderF16)(`${type} K=${k} N=${n} f16 arithmetic`, async () => {
        await checkMatVec(type, k, n, { subgroups: caps.subgroups, precision: 'f16' });
      });
    }
  }

  for (const type of ['q4_k', 'q8_0', 'f16'] as const) {
    it(`${type} larger K=1536 N=259, device default variant`, async () => {
      await checkMatVec(type, 1536, 259, { precision: 'f32', bias: true });
    });
  }

  // The default is 4 rows per team on GPUs and 8 on a software adapter: test both explicitly.
  for (const [rows, subgroups] of [
    [8, true],
    [4, true],
    [1, true],
    [8, false],
    [4, false],
  ] as const) {
    it.skipIf(subgroups && !caps.subgroups)(
      `q6_k K=256 N=29 rows=${rows} ${subgroups ? 'subgroup' : 'plain'} (team sizes around ROWS)`,
      async () => {
        await checkMatVec('q6_k', 256, 29, { precision: 'f32', subgroups, rows, accumulate: true });
      },
    );
  }

  // Odd row counts per team reach both partial-sum vectors (rows 0-3 and 4-7) with N not a
  // multiple of ROWS; block types go 32 values per thread step, floats 8.
  for (const [type, k, n, subgroups] of [
    ['q4_0', 160, 23, true],
    ['q8_0', 96, 23, false],
    ['q4_k', 512, 11, true],
    ['bf16', 72, 23, false],
  ] as const) {
    it.skipIf(subgroups && !caps.subgroups)(
      `${type} K=${k} N=${n} rows=5 ${subgroups ? 'subgroup' : 'plain'}`,
      async () => {
        await checkMatVec(type, k, n, { precision: 'f32', subgroups, rows: 5, bias: true });
      },
    );
  }

  it('an unsupported weight type is a typed error naming kernel, type and shape', async () => {
    const ctx = await testContext();
    const w = await weights(ctx, 'q4_0', 96, 5);
    const buf = await ctx.upload('v', new Float32Array(96));
    const bad = { ...w, type: 'q5_1' } as unknown as GpuWeights;
    const error = await matVec(ctx, { w: bad, x: buf, y: buf }).catch((e: unknown) => e);
    expect(isRuntimeError(error, 'UNSUPPORTED_QUANT')).toBe(true);
    expect((error as Error).message).toMatch(/matvec.*q5_1.*k=96 n=5/);
  });

  it('a K that is not whole blocks is a typed error naming kernel, type and shape', async () => {
    const ctx = await testContext();
    const w = await weights(ctx, 'q4_k', 256, 3);
    const buf = await ctx.upload('v', new Float32Array(1024));
    const error = await matVec(ctx, { w: { ...w, k: 200, k8: 25 }, x: buf, y: buf }).catch((e: unknown) => e);
    expect(isRuntimeError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/matvec.*q4_k.*256.*k=200 n=3/);
    expect(() => weightFormat('q4_0').repack(new Uint8Array(18 * 3), 48, 2)).toThrow(/q4_0.*32.*k=48 n=2/);
  });

  it('a y too small for N is rejected before dispatching', async () => {
    const ctx = await testContext();
    const w = await weights(ctx, 'f32', 13, 7);
    const x = await ctx.upload('x', new Float32Array(13));
    const y = await ctx.upload('y', new Float32Array(6));
    const error = await matVec(ctx, { w, x, y, subgroups: false }).catch((e: unknown) => e);
    expect(isRuntimeError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/matvec_f32_f32.*'y'.*24 bytes.*28/);
  });
});

async function weights(ctx: GpuContext, type: GgmlTypeName, k: number, n: number): Promise<GpuWeights> {
  return uploadWeights(ctx, `w_${type}`, weightFormat(type).repack(ref.randomGgufTensor(type, k, n, 5), k, n));
}

interface Variant {
  subgroups?: boolean;
  rows?: number;
  bias?: boolean;
  accumulate?: boolean;
  precision: Precision;
}

async function checkMatVec(type: GgmlTypeName, k: number, n: number, v: Variant): Promise<void> {
  const ctx = await testContext();
  const raw = ref.randomGgufTensor(type, k, n, k + 7 * n);
  const dense = ref.dequantizeMatrix(type, raw, k, n);
  const w = await uploadWeights(ctx, `w_${type}`, weightFormat(type).repack(raw, k, n));
  const x = ref.uniform(k, 11, -1, 1);
  const bias = ref.uniform(n, 12, -1, 1);
  const y0 = ref.uniform(n, 13, -1, 1);
  const xBuf = await ctx.upload('x', x);
  const biasBuf = v.bias ? await ctx.upload('bias', bias) : undefined;
  const y = await guarded(ctx, 'y', n * 4, v.accumulate ? y0 : undefined);
  const d = await matVec(ctx, {
    w,
    x: xBuf,
    y: y.binding,
    ...(biasBuf ? { bias: biasBuf } : {}),
    ...(v.accumulate ? { accumulate: true } : {}),
    ...(v.subgroups === undefined ? {} : { subgroups: v.subgroups }),
    precision: v.precision,
    ...(v.rows === undefined ? {} : { rows: v.rows }),
  });
  await runDispatches(ctx, [d]);
  const want = ref.matVec(dense, x, k, n);
  for (let i = 0; i < n; i++) want[i]! += (v.bias ? bias[i]! : 0) + (v.accumulate ? y0[i]! : 0);
  const got = await y.readF32();
  // Per-row bound: relative to Σ|w·x| of that row (plus |bias| + |y0| it was added to).
  const scale = ref.matVecAbs(dense, x, k, n);
  const rel = v.precision === 'f16' ? F16_REL : F32_REL;
  const errors = [...got].map((g, i) => Math.abs(g - want[i]!) / (rel * (scale[i]! + 2) + 1e-7));
  const worst = errors.reduce((a, e, i) => (e > errors[a]! ? i : a), 0);
  expect(
    errors.every((e) => e <= 1),
    `${d.label}: row ${worst} got ${got[worst]} want ${want[worst]} (Σ|w·x| ${scale[worst]})`,
  ).toBe(true);
}
