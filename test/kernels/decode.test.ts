import { isRuntimeError } from '@webseek/api';
import {
  bf16ToF32,
  dequantize,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  GGML_TYPES,
  type GgmlTypeName,
  ggmlType,
} from '@webseek/formats';
import { dequantWeights, grid, prepareDispatch, runDispatches, uniformBuffer, uploadWeights } from '@webseek/gpu';
import { dequantKernel, dequantThreads, WEIGHT_TYPES, weightFormat, weightFormatOfGgml } from '@webseek/kernels';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { expectClose, guarded, testContext } from '../support/gpu.ts';

// In f32 the decoders do the same float operations as ggml's dequantize_row_*
// (every product of a quant and a scale is exact or rounded once), so the GPU
// must match the CPU bit for bit.
const EXACT = { atol: 0, rtol: 0 };
// f16 arithmetic rounds the scale product and the value to 11 bits: 2 half ulps.
const F16 = { atol: 1e-6, rtol: 2 ** -10 };

const { caps } = await testContext();

/** Odd shapes: 3 blocks per row where the type has blocks, K not a multiple of 8 for floats. */
const SHAPES: Record<GgmlTypeName, [k: number, n: number][]> = {
  f32: [
    [13, 3],
    [8, 1],
  ],
  f16: [
    [13, 3],
    [1, 5],
  ],
  bf16: [
    [13, 3],
    [17, 2],
  ],
  q4_0: [[96, 5]],
  q8_0: [[96, 5]],
  q4_k: [[768, 5]],
  q6_k: [[768, 5]],
};

/** w_quant32 shapes: float rows whose K8 is not a multiple of 4 start groups off the vec4 grid and end in single chunks. */
const WIDE_SHAPES: Record<GgmlTypeName, [k: number, n: number][]> = {
  f32: [[40, 3]],
  f16: [
    [13, 3],
    [40, 3],
  ],
  bf16: [[72, 2]],
  q4_0: [[96, 5]],
  q8_0: [[96, 5]],
  q4_k: [[768, 5]],
  q6_k: [[768, 5]],
};

describe('ggml CPU dequantize (hand-built blocks, per ggml-quants.c)', () => {
  it('half and bfloat16 conversions keep subnormals, infinities and round to even', () => {
    expect(f16ToF32(0x3c00)).toBe(1);
    expect(f16ToF32(0xc000)).toBe(-2);
    expect(f16ToF32(0x0001)).toBe(2 ** -24);
    expect(f16ToF32(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(f16ToF32(0x7e00)).toBeNaN();
    expect(f32ToF16(2 ** -24)).toBe(0x0001);
    expect(f32ToF16(65520)).toBe(0x7c00); // rounds up past the largest half
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    for (let h = 0; h < 0x7c00; h += 37) expect(f32ToF16(f16ToF32(h))).toBe(h);
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(f32ToBf16(1 + 2 ** -8)).toBe(0x3f80);
    expect(f32ToBf16(-3)).toBe(0xc040);
  });

  it('q4_0: value j is the low nibble of byte j, j+16 the high nibble, (q-8)·d', () => {
    const raw = new Uint8Array(18);
    raw.set([0x00, 0x40], 0); // d = 2
    raw[2 + 0] = 0xf3; // value 0 → (3-8)·2, value 16 → (15-8)·2
    raw[2 + 15] = 0x09; // value 15 → 2, value 31 → -16
    const y = dequantize('q4_0', raw, 32);
    expect([y[0], y[16], y[15], y[31], y[1]]).toEqual([-10, 14, 2, -16, -16]);
  });

  it('q8_0: int8 quants times d', () => {
    const raw = new Uint8Array(34);
    raw.set([0x00, 0x38], 0); // d = 0.5
    raw[2] = 0x80; // -128
    raw[33] = 0x7f; // 127
    const y = dequantize('q8_0', raw, 32);
    expect([y[0], y[1], y[31]]).toEqual([-64, 0, 63.5]);
  });

  it('q4_k: 6-bit scales/mins per get_scale_min_k4, low then high nibbles per 64 values', () => {
    const raw = new Uint8Array(144);
    raw.set([0x00, 0x3c, 0x00, 0x40], 0); // d = 1, dmin = 2
    const sc = raw.subarray(4, 16);
    sc[0] = 5 | (1 << 6); // sub-block 0: scale 5; bits 6-7 are scale 4's high bits
    sc[4] = 3 | (2 << 6); // sub-block 0: min 3; bits 6-7 are min 4's high bits
    sc[8] = 0x7 | (0x9 << 4); // sub-block 4: scale low 4 bits 7, min low 4 bits 9
    const qs = raw.subarray(16);
    qs[0] = 0x2 | (0xf << 4); // value 0: q=2 (sub-block 0); value 32: q=15 (sub-block 1: scale 0, min 0)
    qs[64] = 0x4; // value 128 (sub-block 4): q=4
    const y = dequantize('q4_k', raw, 256);
    expect(y[0]).toBe(1 * 5 * 2 - 2 * 3);
    expect(y[32]).toBe(0);
    // Sub-block 4: scale = 7 | (1 << 4) = 23, min = 9 | (2 << 4) = 41.
    expect(y[128]).toBe(23 * 4 - 2 * 41);
  });

  it('q6_k: ql/qh interleaving, int8 scale per 16 values, d last', () => {
    const raw = new Uint8Array(210);
    raw.set([0x00, 0x3c], 208); // d = 1
    raw[192 + 0] = 2; // scale of values 0..15
    raw[192 + 6] = -3 & 0xff; // scale of values 96..111
    raw[192 + 8 + 4] = 1; // scale of values 192..207
    raw[0] = 0x05 | (0x0a << 4); // value 0 low bits 5; value 64 low bits 10
    raw[32 + 1] = 0x0c << 4; // value 97 low bits 12
    raw[128 + 1] = 3 << 6; // value 97 high bits 3
    raw[64 + 0] = 0x07 << 4; // value 128+64 = 192 low bits 7
    raw[128 + 32 + 0] = 1 << 4; // value 192 high bits 1
    const y = dequantize('q6_k', raw, 256);
    expect(y[0]).toBe(2 * (5 - 32));
    expect(y[97]).toBe(-3 * (12 + 48 - 32));
    expect(y[192]).toBe(1 * (7 + 16 - 32));
  });

  it('rejects unknown types and partial blocks with typed errors', () => {
    expect(() => ggmlType('q5_1' as GgmlTypeName)).toThrow(/q5_1.*supported/);
    const partial = (() => {
      try {
        dequantize('q4_k', new Uint8Array(144), 100);
      } catch (e) {
        return e;
      }
    })();
    expect(isRuntimeError(partial, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('the kernels table agrees with the ggml table', () => {
    for (const t of GGML_TYPES) {
      const f = weightFormat(t.name);
      expect([f.ggmlType, f.blockValues, f.blockBytes]).toEqual([t.id, t.blockValues, t.blockBytes]);
      expect(weightFormatOfGgml(t.id)?.type).toBe(t.name);
    }
    expect([...WEIGHT_TYPES].sort()).toEqual(GGML_TYPES.map((t) => t.name).sort());
  });
});

describe('w_decode8 (dequant kernel) vs CPU dequantize', () => {
  for (const type of WEIGHT_TYPES) {
    for (const [k, n] of SHAPES[type]) {
      it(`${type} k=${k} n=${n} f32 exact`, async () => {
        await checkDecode(type, k, n, 'f32');
      });
      it.skipIf(!caps.shaderF16)(`${type} k=${k} n=${n} f16 arithmetic`, async () => {
        await checkDecode(type, k, n, 'f16');
      });
    }
  }

  for (const type of WEIGHT_TYPES) {
    for (const [k, n] of WIDE_SHAPES[type]) {
      it(`${type} k=${k} n=${n} through w_quant32 (the matvec path) f32 exact`, async () => {
        await checkDecodeWide(type, k, n);
      });
    }
  }

  it('random tensors are deterministic, finite and O(0.01–1)', () => {
    for (const type of WEIGHT_TYPES) {
      const k = ggmlType(type).blockValues === 256 ? 256 : 32;
      const a = ref.randomGgufTensor(type, k, 4, 9);
      expect(ref.randomGgufTensor(type, k, 4, 9)).toEqual(a);
      const y = dequantize(type, a, k * 4);
      const meanAbs = y.reduce((s, v) => s + Math.abs(v), 0) / y.length;
      expect(y.every(Number.isFinite), type).toBe(true);
      expect(meanAbs, type).toBeGreaterThan(0.01);
      expect(meanAbs, type).toBeLessThan(1);
    }
  });
});

async function checkDecode(type: GgmlTypeName, k: number, n: number, precision: 'f32' | 'f16'): Promise<void> {
  const ctx = await testContext();
  const raw = ref.randomGgufTensor(type, k, n, k * 31 + n);
  const w = await uploadWeights(ctx, `w_${type}`, weightFormat(type).repack(raw, k, n));
  const y = await guarded(ctx, 'y', n * k * 4);
  const d = await dequantWeights(ctx, { w, y: y.binding, precision });
  await runDispatches(ctx, [d]);
  expectClose(await y.readF32(), ref.dequantizeMatrix(type, raw, k, n), precision === 'f32' ? EXACT : F16, d.label);
}

/** Dequantizes through w_quant32 (q · scale - sub per chunk) and holds it to the CPU bit for bit. */
async function checkDecodeWide(type: GgmlTypeName, k: number, n: number): Promise<void> {
  const ctx = await testContext();
  const raw = ref.randomGgufTensor(type, k, n, k * 17 + n);
  const w = await uploadWeights(ctx, `w_${type}`, weightFormat(type).repack(raw, k, n));
  const y = await guarded(ctx, 'y', n * k * 4);
  const key = { type, wide: true };
  const source = dequantKernel(key);
  const params = uniformBuffer(ctx, `${source.label}_params`, [n, k, w.k8]);
  const workgroups = grid(ctx, Math.ceil(dequantThreads(key, n, w.k8) / 64));
  const d = await prepareDispatch(ctx, source, [w.q, w.s, y.binding, params], workgroups, [params]);
  await runDispatches(ctx, [d]);
  expectClose(await y.readF32(), ref.dequantizeMatrix(type, raw, k, n), EXACT, d.label);
}
