import { isRuntimeError } from '@webseek/api';
import { dequantize } from '@webseek/formats';
import { type GpuContext, type GpuWeights, matMul, runDispatches, uploadWeights } from '@webseek/gpu';
import { type MatMulTile, type Precision, supportedWeightTypes, type WeightType, weightFormat } from '@webseek/kernels';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { guarded, testContext } from '../support/gpu.ts';

// Error bound relative to S = Σ_k |x·w| + |bias| + |y before| (the sum's own
// scale, so it does not blow up where terms cancel). f32 accumulation over
// K ≤ 512 terms in another order than the float64 reference: worst seen here
// 1.8e-7·S (≈ 3 ulps); the K·2⁻²⁴ ≈ 3e-5 worst case never comes near. A
// dropped or doubled term costs ~S/K ≫ the bound.
const F32_TOL = 1e-6;
// f16 weight arithmetic: each decoded weight rounds to f16 (2⁻¹¹ ≈ 4.9e-4) after
// up to three f16 operations whose terms may cancel (q4_k's d·sc·q − dmin·m).
const F16_TOL = 4e-3;

const ctx = await testContext();
const available = new Set(supportedWeightTypes());

/** K per type: floats take any K (odd too); block types need whole blocks. */
const K_BY_TYPE: Record<WeightType, number[]> = {
  f32: [13, 200],
  f16: [13, 200],
  bf16: [13, 200],
  q8_0: [96],
  q4_0: [96],
  q4_k: [512],
  q6_k: [512],
};

interface Case {
  type: WeightType;
  m: number;
  k: number;
  n: number;
  bias?: boolean;
  accumulate?: boolean;
  precision?: Precision;
  tile?: MatMulTile;
}

interface Weights {
  gpu: GpuWeights;
  dense: Float32Array;
}

async function randomWeights(type: WeightType, k: number, n: number, seed: number): Promise<Weights> {
  const raw = ref.randomGgufTensor(type, k, n, seed);
  const gpu = await uploadWeights(ctx, `w_${type}_${n}x${k}`, weightFormat(type).repack(raw, k, n));
  return { gpu, dense: dequantize(type, raw, k * n) };
}

/** Runs one case on the device and checks every element against the CPU within tol·Σ|x·w|. */
async function check(c: Case): Promise<void> {
  const { type, m, k, n } = c;
  const w = await randomWeights(type, k, n, 7 * m + n);
  const x = ref.uniform(m * k, 3 * m + k, -2, 2);
  const bias = c.bias ? ref.uniform(n, 5, -1, 1) : undefined;
  const initial = c.accumulate ? ref.uniform(m * n, 11, -4, 4) : undefined;
  const y = await guarded(ctx, 'y', m * n * 4, initial);
  const d = await matMul(ctx, {
    w: w.gpu,
    x: await ctx.upload('x', x),
    y: y.binding,
    m,
    ...(bias ? { bias: await ctx.upload('bias', bias) } : {}),
    accumulate: c.accumulate,
    precision: c.precision,
    tile: c.tile,
  });
  await runDispatches(ctx, [d]);
  const want = ref.matMul(x, w.dense, m, k, n);
  for (let i = 0; i < m * n; i++) want[i] = want[i]! + (bias?.[i % n] ?? 0) + (initial?.[i] ?? 0);
  const scale = ref.matMulAbs(x, w.dense, m, k, n);
  for (let i = 0; i < m * n; i++) scale[i] = scale[i]! + Math.abs(bias?.[i % n] ?? 0) + Math.abs(initial?.[i] ?? 0);
  expectWithinSum(await y.readF32(), want, scale, c.precision === 'f16' ? F16_TOL : F32_TOL, d.label);
}

function expectWithinSum(got: Float32Array, want: Float32Array, scale: Float32Array, tol: number, what: string): void {
  let bad = -1;
  let count = 0;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const ratio = Math.abs(got[i]! - want[i]!) / (scale[i]! + 1e-30);
    if (!(ratio <= worst)) worst = ratio;
    if (!(ratio <= tol)) {
      count++;
      if (bad < 0) bad = i;
    }
  }
  expect(
    bad < 0,
    `${what}: ${count} of ${want.length} outside ${tol}·Σ|x·w|; first [${bad}] got ${got[bad]} want ${want[bad]}; worst ${worst.toExponential(2)}`,
  ).toBe(true);
}

describe('matMul', () => {
  const shapes = [
    [2, 67],
    [7, 37],
    [33, 67],
    [130, 37],
  ] as const;
  for (const type of Object.keys(K_BY_TYPE) as WeightType[]) {
    for (const k of K_BY_TYPE[type]) {
      for (const [m, n] of shapes) {
        it.skipIf(!available.has(type))(`${type} m=${m} k=${k} n=${n}`, () => check({ type, m, k, n }));
      }
    }
  }

  it('16-row tile: m=13', () => check({ type: 'q4_k', m: 13, k: 512, n: 37 }));
  it('32-row tile: m=29', () => check({ type: 'q8_0', m: 29, k: 96, n: 67 }));
  it('large prefill chunk: m=512 (8 M tiles)', () => check({ type: 'f32', m: 512, k: 200, n: 19 }));

  it('bias epilogue', () => check({ type: 'f32', m: 33, k: 200, n: 67, bias: true }));
  it('accumulate epilogue', () => check({ type: 'f32', m: 33, k: 13, n: 67, accumulate: true }));
  it('bias + accumulate epilogue', () => check({ type: 'f32', m: 7, k: 200, n: 37, bias: true, accumulate: true }));

  it('an odd tile shape: 8×12, K step 24', () =>
    check({ type: 'f32', m: 33, k: 200, n: 67, tile: { bm: 8, bn: 12, bk8: 3 } }));

  for (const type of ['f32', 'q4_k'] as const) {
    it.skipIf(!ctx.caps.shaderF16 || !available.has(type))(`f16 arithmetic ${type}`, () =>
      check({ type, m: 33, k: type === 'f32' ? 200 : 512, n: 67, precision: 'f16', bias: true }),
    );
  }
});

describe('matMul rejects bad input before dispatching', () => {
  async function rejection(run: (c: GpuContext, w: GpuWeights) => Promise<unknown>): Promise<Error> {
    const w = (await randomWeights('f32', 16, 5, 1)).gpu;
    const before = ctx.pipelines.size;
    const error = await run(ctx, w).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ctx.pipelines.size, 'no pipeline was made').toBe(before);
    expect(error, 'matMul rejected').toBeInstanceOf(Error);
    return error as Error;
  }

  it('x smaller than m×k', async () => {
    const error = await rejection(async (c, w) => {
      const small = await c.upload('small', new Float32Array(16));
      return matMul(c, { w, x: small, y: await c.upload('y', new Float32Array(15)), m: 3 });
    });
    expect(isRuntimeError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(error.message).toMatch(/matmul_f32.*'x'.*64 bytes.*192/);
  });

  it('bias shorter than n', async () => {
    const error = await rejection(async (c, w) => {
      const buf = await c.upload('buf', new Float32Array(64));
      return matMul(c, { w, x: buf, y: buf, m: 1, bias: await c.upload('b', new Float32Array(4)) });
    });
    expect(isRuntimeError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(error.message).toMatch(/matmul_f32_f32_bias.*'bias'.*16 bytes.*20/);
  });

  it('weights whose buffer holds fewer rows than n says', async () => {
    const error = await rejection(async (c, w) => {
      const buf = await c.upload('buf', new Float32Array(64));
      return matMul(c, { w: { ...w, n: 6 }, x: buf, y: buf, m: 2 });
    });
    expect(isRuntimeError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(error.message).toMatch(/matmul_f32.*'w_f32_5x16\.q'.*320 bytes.*384/);
  });

  it('m not a positive integer', async () => {
    const error = await rejection(async (c, w) => {
      const buf = await c.upload('buf', new Float32Array(64));
      return matMul(c, { w, x: buf, y: buf, m: 0 });
    });
    expect(isRuntimeError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(error.message).toMatch(/matmul.*m must be a positive integer/);
  });

  it('a weight type with no decoder', async () => {
    const error = await rejection(async (c, w) => {
      const buf = await c.upload('buf', new Float32Array(64));
      return matMul(c, { w: { ...w, type: 'q5_k' as WeightType }, x: buf, y: buf, m: 2 });
    });
    expect(isRuntimeError(error, 'UNSUPPORTED_QUANT')).toBe(true);
    expect(error.message).toMatch(/matmul.*'q5_k'.*5×16/);
  });

  it('a tile larger than the device allows', async () => {
    const error = await rejection(async (c, w) => {
      const buf = await c.upload('buf', new Float32Array(64));
      return matMul(c, { w, x: buf, y: buf, m: 2, tile: { bm: 512, bn: 64, bk8: 4 } });
    });
    expect(isRuntimeError(error, 'UNSUPPORTED_KERNEL')).toBe(true);
    expect(error.message).toMatch(/matmul_f32.*512×64×32.*2048 threads/);
  });

  it('f16 arithmetic on a device without shader-f16', async () => {
    if (ctx.caps.shaderF16) return;
    const error = await rejection(async (c, w) => {
      const buf = await c.upload('buf', new Float32Array(64));
      return matMul(c, { w, x: buf, y: buf, m: 2, precision: 'f16' });
    });
    expect(isRuntimeError(error, 'UNSUPPORTED_KERNEL')).toBe(true);
    expect(error.message).toMatch(/matmul_f32_f16.*shader-f16/);
  });
});
