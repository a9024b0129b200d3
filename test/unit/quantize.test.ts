/**
 * The reference quantizers (packages/formats/src/quant) against what only a
 * faithful port of ggml's quantize_row_*_ref can do: hand-computed blocks,
 * f16/bf16 rounding edge cases, fixed points of quantize∘dequantize, per-type
 * error bounds through the shared CPU dequantizer, and golden hashes.
 *
 * The golden hashes were checked, when written, against ggml's C reference
 * functions compiled with gcc -O2 on x86-64 (what ggml-base builds to: no FMA
 * contraction) on these inputs and on ~50k random blocks per type. The
 * end-to-end llama.cpp cross-check (loading a model we wrote) lives in the
 * conformance tests.
 */
import { createHash } from 'node:crypto';
import { isRuntimeError } from '@webseek/api';
import { dequantize, f32ToBf16, f32ToF16, type GgmlTypeName, ggmlType, quantize } from '@webseek/formats';
import { describe, expect, it } from 'vitest';
import {
  bf16FromF32Bits,
  f16FromF32Bits,
  f32Bits,
  f32ToF16Bits,
  nearestInt,
} from '../../packages/formats/src/quant/index.ts';

const fr = Math.fround;
const TYPES: GgmlTypeName[] = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_k', 'q6_k'];

// ---- inputs ----------------------------------------------------------------

/** mulberry32: kept here so the golden inputs never change with shared helpers. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Weight-like values: Gaussian rows of varying scale, a few outliers and exact zeros. */
function weights(count: number, seed: number): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(count);
  let scale = 0.02;
  for (let i = 0; i < count; i++) {
    if (i % 64 === 0) scale = 0.002 + 0.1 * next();
    const g = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const u = next();
    out[i] = u < 0.02 ? 0 : u > 0.995 ? g * scale * 20 : g * scale;
  }
  return out;
}

function bitsToF32(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0]!;
}

function f16At(raw: Uint8Array, at: number): number {
  return dequantize('f16', raw.subarray(at, at + 2), 1)[0]!;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// ---- API -------------------------------------------------------------------

describe('quantize: shapes and bad input', () => {
  it('returns n·k/blockValues·blockBytes bytes for every type', () => {
    for (const type of TYPES) {
      const info = ggmlType(type);
      const k = info.blockValues === 256 ? 512 : info.blockValues === 32 ? 96 : 7;
      const out = quantize(type, weights(k * 3, 1), k, 3);
      expect(out.length, type).toBe(((3 * k) / info.blockValues) * info.blockBytes);
    }
  });

  it('rejects a row length that is not a whole number of blocks, naming type and k', () => {
    const cases: [GgmlTypeName, number][] = [
      ['q4_0', 48],
      ['q8_0', 31],
      ['q4_k', 288],
      ['q6_k', 128],
      ['f16', 0],
    ];
    for (const [type, k] of cases) {
      const error = (() => {
        try {
          quantize(type, new Float32Array(k * 2), k, 2);
        } catch (e) {
          return e;
        }
      })();
      expect(isRuntimeError(error, 'INVALID_ARGUMENT'), `${type} k=${k}`).toBe(true);
      expect((error as Error).message).toContain(type);
      expect((error as Error).message).toContain(`k = ${k}`);
    }
  });

  it('rejects values that are not n rows of k, and unknown types', () => {
    expect(() => quantize('q8_0', new Float32Array(95), 32, 3)).toThrow(/95 values/);
    expect(() => quantize('q8_0', new Float32Array(64), 32, 1.5)).toThrow(/INVALID_ARGUMENT|rows/);
    let error: unknown;
    try {
      quantize('q5_k' as GgmlTypeName, new Float32Array(256), 256, 1);
    } catch (e) {
      error = e;
    }
    expect(isRuntimeError(error, 'UNSUPPORTED_QUANT')).toBe(true);
  });

  it('encodes rows independently: an (n, k) tensor is its rows concatenated', () => {
    const x = weights(256 * 3, 2);
    for (const type of TYPES) {
      const whole = quantize(type, x, 256, 3);
      const rows = [0, 1, 2].map((r) => quantize(type, x.subarray(256 * r, 256 * r + 256), 256, 1));
      expect(Array.from(whole), type).toEqual(rows.flatMap((r) => Array.from(r)));
    }
  });
});

// ---- f16 / bf16 rounding -----------------------------------------------------

/** ggml_compute_fp32_to_fp16 done with its own float tricks: an independent oracle for the integer version. */
function ggmlFp32ToFp16(w: number): number {
  let base = fr(fr(Math.abs(bitsToF32(w)) * 2 ** 112) * 2 ** -110);
  const shl1 = (w * 2) % 2 ** 32;
  const sign = w >>> 31;
  let bias = Math.floor(shl1 / 2 ** 24) * 2 ** 24;
  if (bias < 0x71000000) bias = 0x71000000;
  base = fr(bitsToF32(bias / 2 + 0x07800000) + base);
  const bits = f32Bits(base);
  const nonsign = ((bits >>> 13) & 0x7c00) + (bits & 0xfff);
  return (sign << 15) | (shl1 > 0xff000000 ? 0x7e00 : nonsign);
}

describe('f32 → f16 as ggml_fp32_to_fp16_row', () => {
  it('rounds to nearest even, keeps subnormals, overflows to Inf, flattens NaN', () => {
    const cases: [number, number][] = [
      [0x3f800000, 0x3c00], // 1
      [0x80000000, 0x8000], // -0
      [0x477fe000, 0x7bff], // 65504, the largest half
      [0x477fefff, 0x7bff], // just under 65520
      [0x477ff000, 0x7c00], // 65520: the tie rounds up to Inf
      [0x7f7fffff, 0x7c00], // f32 max
      [0x7f800000, 0x7c00], // Inf
      [0xff800000, 0xfc00], // -Inf
      [0x7fc00000, 0x7e00], // NaN
      [0xff812345, 0xfe00], // -NaN with payload: payload dropped, sign kept
      [0x3f801000, 0x3c00], // 1 + 2^-11: tie, even stays
      [0x3f803000, 0x3c02], // 1 + 3·2^-11: tie, rounds to even 0x3c02
      [0x3f801001, 0x3c01], // just above the tie
      [0x38800000, 0x0400], // 2^-14, the smallest normal half
      [0x387fc000, 0x03ff], // the largest subnormal half
      [0x387fe000, 0x0400], // tie between 0x3ff and 0x400 → even 0x400
      [0x33800000, 0x0001], // 2^-24, the smallest subnormal half
      [0x33000000, 0x0000], // 2^-25: tie with 0 → 0
      [0x33000001, 0x0001], // just above 2^-25
      [0x33c00000, 0x0002], // 3·2^-25: tie between 1 and 2 → 2
      [0xb3c00000, 0x8002], // negative of the above
      [0x00000001, 0x0000], // f32 subnormal
    ];
    for (const [bits, want] of cases) {
      expect(f16FromF32Bits(bits).toString(16), bits.toString(16)).toBe(want.toString(16));
      expect(ggmlFp32ToFp16(bits).toString(16), `oracle ${bits.toString(16)}`).toBe(want.toString(16));
    }
  });

  it('agrees with a literal port of ggml_compute_fp32_to_fp16 and with the shared f32ToF16', () => {
    // Every f32 exponent, with random and boundary mantissas (full-range check done once offline).
    const next = rng(7);
    const bad: string[] = [];
    for (let hi = 0; hi < 512; hi++) {
      for (let j = 0; j < 600; j++) {
        const low = j < 8 ? [0, 0xfff, 0x1000, 0x1001, 0x2000, 0x3000, 0x7fffff, 0x7fe000][j]! : next() * 2 ** 23;
        const bits = ((hi << 23) | (low & 0x7fffff)) >>> 0;
        const want = ggmlFp32ToFp16(bits);
        if (f16FromF32Bits(bits) !== want) bad.push(`${bits.toString(16)}: ${f16FromF32Bits(bits)} != ${want}`);
        if ((bits & 0x7fffffff) <= 0x7f800000 && f32ToF16(bitsToF32(bits)) !== want)
          bad.push(`shared ${bits.toString(16)}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('is a fixed point on every non-NaN half: quantize(f16 → f32) gives the half back', () => {
    const all = new Uint8Array(65536 * 2);
    for (let h = 0; h < 65536; h++) {
      all[2 * h] = h & 0xff;
      all[2 * h + 1] = h >> 8;
    }
    const again = quantize('f16', dequantize('f16', all, 65536), 65536, 1);
    const bad: string[] = [];
    for (let h = 0; h < 65536; h++) {
      const got = again[2 * h]! | (again[2 * h + 1]! << 8);
      // A NaN comes back as ggml's NaN, 0x7e00 with a sign (the f32 in between need not keep the sign).
      const nan = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (nan ? (got & 0x7fff) !== 0x7e00 : got !== h) bad.push(`${h.toString(16)} → ${got.toString(16)}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});

describe('f32 → bf16 as ggml_compute_fp32_to_bf16', () => {
  it('rounds ties to even on the bits and quiets NaN keeping sign and payload', () => {
    const cases: [number, number][] = [
      [0x3f800000, 0x3f80],
      [0x3f808000, 0x3f80], // tie, even stays
      [0x3f818000, 0x3f82], // tie, rounds up to even
      [0x3f808001, 0x3f81],
      [0x3f807fff, 0x3f80],
      [0x00008000, 0x0000], // subnormal tie → 0
      [0x00018000, 0x0002], // subnormal tie → even
      [0x7f7fffff, 0x7f80], // f32 max rounds to Inf
      [0xff800000, 0xff80],
      [0x7f800001, 0x7fc0], // signalling NaN → quiet, payload's top bits kept
      [0xff812345, 0xffc1],
      [0x7fc00000, 0x7fc0],
    ];
    for (const [bits, want] of cases) {
      expect(bf16FromF32Bits(bits).toString(16), bits.toString(16)).toBe(want.toString(16));
    }
  });

  it('agrees with the shared f32ToBf16 and is a fixed point on every non-NaN bf16', () => {
    const next = rng(8);
    const bad: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const bits = Math.floor(next() * 2 ** 32);
      if ((bits & 0x7fffffff) > 0x7f800000) continue;
      if (bf16FromF32Bits(bits) !== f32ToBf16(bitsToF32(bits))) bad.push(bits.toString(16));
    }
    const all = new Uint8Array(65536 * 2);
    for (let h = 0; h < 65536; h++) {
      all[2 * h] = h & 0xff;
      all[2 * h + 1] = h >> 8;
    }
    const again = quantize('bf16', dequantize('bf16', all, 65536), 65536, 1);
    for (let h = 0; h < 65536; h++) {
      const got = again[2 * h]! | (again[2 * h + 1]! << 8);
      // A NaN comes back quiet (0x40 set); its payload survives only if the f32 in between kept it.
      const nan = (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
      if (nan ? (got & 0x7fc0) !== 0x7fc0 : got !== h) bad.push(`${h.toString(16)} → ${got.toString(16)}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});

describe('nearest_int', () => {
  it('rounds half to even through the 12582912 float add, and keeps its bit arithmetic out of range', () => {
    const cases: [number, number][] = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [-0.5, 0],
      [-1.5, -2],
      [-2.5, -2],
      [0.49999997, 0],
      [7.4999995, 7],
      [-0, 0],
      [4194303, 4194303],
      [-4194303, -4194303],
      // Out of range: 2^22 + 0.5 → 12582912 + 4194304.5 rounds to 2^24, whose mantissa is 0.
      [4194304.5, -4194304],
      [Number.NaN, 0],
    ];
    for (const [v, want] of cases) expect(nearestInt(fr(v)), String(v)).toBe(want);
  });
});

// ---- hand-computed blocks --------------------------------------------------------

describe('hand-computed blocks', () => {
  it('q4_0: d = max/-8, levels trunc(x/d + 8.5) clamped to 15, value j and j+16 share byte j', () => {
    const x = new Float32Array(32);
    for (let j = 0; j < 16; j++) x[j] = j - 8; // -8 is the largest magnitude → d = 1
    x.set([0.5, -0.5, 1.5, -1.5, 7.5, 7.6, -7.5, 6.49], 16);
    const got = quantize('q4_0', x, 32, 1);
    // x/d + 8.5 truncated: 0.5→9, -0.5→8, 1.5→10, -1.5→7, 7.5→16→15, 7.6→15, -7.5→1, 6.49→14, zeros→8
    const hi = [9, 8, 10, 7, 15, 15, 1, 14, 8, 8, 8, 8, 8, 8, 8, 8];
    expect(Array.from(got)).toEqual([0x00, 0x3c, ...hi.map((h, j) => j | (h << 4))]);
  });

  it('q4_0: an all-zero block stores d = -0 (0x8000) and level 8, as ggml does', () => {
    expect(Array.from(quantize('q4_0', new Float32Array(32), 32, 1))).toEqual([0x00, 0x80, ...Array(16).fill(0x88)]);
  });

  it('q4_0: values on a power-of-two grid with a -8 level come back exactly', () => {
    const next = rng(3);
    const x = new Float32Array(32 * 9);
    for (let b = 0; b < 9; b++) {
      const step = 2 ** (b - 12);
      for (let j = 0; j < 32; j++) x[32 * b + j] = step * (Math.floor(next() * 16) - 8);
      x[32 * b + Math.floor(next() * 32)] = -8 * step;
    }
    expect(Array.from(dequantize('q4_0', quantize('q4_0', x, 288, 1), 288))).toEqual(Array.from(x));
  });

  it('q8_0: d = amax/127, roundf rounds halves away from zero', () => {
    const x = new Float32Array(32);
    x.set([127, -127, 2.5, -2.5, 0.5, -0.5, 1.4999999, 126.5, -0.49]);
    const got = quantize('q8_0', x, 32, 1);
    const q = [127, -127, 3, -3, 1, -1, 1, 127, 0, ...Array(23).fill(0)];
    expect(Array.from(got)).toEqual([0x00, 0x3c, ...q.map((v) => v & 0xff)]);
    expect(Array.from(quantize('q8_0', new Float32Array(32), 32, 1))).toEqual(Array(34).fill(0));
  });

  it('q4_k and q6_k: an all-zero super-block is all zero bytes', () => {
    expect(quantize('q4_k', new Float32Array(256), 256, 1).every((b) => b === 0)).toBe(true);
    expect(quantize('q6_k', new Float32Array(256), 256, 1).every((b) => b === 0)).toBe(true);
  });

  it('q6_k: a block whose group scales stay below GROUP_MAX_EPS (1e-15) is zeroed, a larger one is not', () => {
    // 1e-16: every group's amax < 1e-15 → scale 0. 1e-13: scale ≈ -3.2e-15, kept (though f16(d) underflows to 0).
    expect(quantize('q6_k', new Float32Array(256).fill(1e-16), 256, 1).every((b) => b === 0)).toBe(true);
    expect(quantize('q6_k', new Float32Array(256).fill(1e-13), 256, 1).some((b) => b !== 0)).toBe(true);
  });
});

// ---- round trip error bounds -----------------------------------------------------

describe('dequantize(quantize(x)) stays within each type’s error bound', () => {
  const x = weights(256 * 7, 42);
  const k = 256;
  const n = 7;

  it('f32 exact; f16 within half an ulp (2^-11·|x|); bf16 within half an ulp (2^-8·|x|)', () => {
    expect(Array.from(dequantize('f32', quantize('f32', x, k, n), k * n))).toEqual(Array.from(x));
    const h = dequantize('f16', quantize('f16', x, k, n), k * n);
    const b = dequantize('bf16', quantize('bf16', x, k, n), k * n);
    for (let i = 0; i < x.length; i++) {
      const a = Math.abs(x[i]!);
      expect(Math.abs(h[i]! - x[i]!), `f16 [${i}]`).toBeLessThanOrEqual(a >= 2 ** -14 ? a * 2 ** -11 : 2 ** -25);
      expect(Math.abs(b[i]! - x[i]!), `bf16 [${i}]`).toBeLessThanOrEqual(a * 2 ** -8);
    }
  });

  it('q8_0: |err| ≤ d/2 + 127·|d - f16(d)| per block, d = amax/127', () => {
    const raw = quantize('q8_0', x, k, n);
    const y = dequantize('q8_0', raw, k * n);
    for (let blk = 0; blk < (k * n) / 32; blk++) {
      let amax = 0;
      for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[32 * blk + j]!));
      const d = fr(amax / 127);
      const bound = d / 2 + 127 * Math.abs(d - f16At(raw, 34 * blk)) + 2 ** -20 * amax;
      for (let j = 0; j < 32; j++) {
        const i = 32 * blk + j;
        expect(Math.abs(y[i]! - x[i]!), `block ${blk} [${j}]`).toBeLessThanOrEqual(bound);
      }
    }
  });

  it('q4_0: |err| ≤ |d|/2 where x/d ≤ 7.5, ≤ |d| above (level 7 is the top), plus the f16 rounding of d', () => {
    const raw = quantize('q4_0', x, k, n);
    const y = dequantize('q4_0', raw, k * n);
    for (let blk = 0; blk < (k * n) / 32; blk++) {
      let max = 0;
      for (let j = 0; j < 32; j++) if (Math.abs(x[32 * blk + j]!) > Math.abs(max)) max = x[32 * blk + j]!;
      const d = fr(max / -8);
      const dRound = 8 * Math.abs(d - f16At(raw, 18 * blk)) + 2 ** -20 * Math.abs(max);
      for (let j = 0; j < 32; j++) {
        const i = 32 * blk + j;
        const half = x[i]! / d <= 7.5 ? 0.5 : 1;
        expect(Math.abs(y[i]! - x[i]!), `block ${blk} [${j}]`).toBeLessThanOrEqual(half * Math.abs(d) + dRound);
      }
    }
  });

  it('q6_k: |err| ≤ |d·scale|/2 inside each 16-value group’s range, plus the distance beyond it', () => {
    const raw = quantize('q6_k', x, k, n);
    const y = dequantize('q6_k', raw, k * n);
    let se = 0;
    let sx = 0;
    for (let blk = 0; blk < n; blk++) {
      const d = f16At(raw, 210 * blk + 208);
      for (let g = 0; g < 16; g++) {
        const dj = fr(d * ((raw[210 * blk + 192 + g]! << 24) >> 24));
        for (let j = 0; j < 16; j++) {
          const i = 256 * blk + 16 * g + j;
          const err = Math.abs(y[i]! - x[i]!);
          se += err * err;
          sx += x[i]! * x[i]!;
          // A group whose scale rounds to 0 dequantizes to 0; its values are < 17·d.
          const t = dj === 0 ? 0 : x[i]! / dj;
          const beyond = dj === 0 ? 17 * Math.abs(d) : Math.max(0, t - 31, -32 - t) * Math.abs(dj);
          const slack = 2 ** -20 * (Math.abs(x[i]!) + 32 * Math.abs(dj));
          expect(err, `block ${blk} group ${g} [${j}]`).toBeLessThanOrEqual(Math.abs(dj) / 2 + beyond + slack);
        }
      }
    }
    // Relative RMS error on this fixed input (runs of 64 values at different scales,
    // 0.5% outliers at 20σ) is 2.78%; the bound leaves headroom, not slack for a broken fit.
    expect(Math.sqrt(se / sx)).toBeLessThan(0.035);
  });

  it('q4_k: |err| ≤ d·sc/2 inside each 32-value group’s range, plus the distance beyond it', () => {
    const raw = quantize('q4_k', x, k, n);
    const y = dequantize('q4_k', raw, k * n);
    let se = 0;
    let sx = 0;
    for (let blk = 0; blk < n; blk++) {
      const at = 144 * blk;
      const d = f16At(raw, at);
      const dmin = f16At(raw, at + 2);
      for (let g = 0; g < 8; g++) {
        const s = raw.subarray(at + 4, at + 16);
        const sc = g < 4 ? s[g]! & 63 : (s[g + 4]! & 0xf) | ((s[g - 4]! >> 6) << 4);
        const m = g < 4 ? s[g + 4]! & 63 : (s[g + 4]! >> 4) | ((s[g]! >> 6) << 4);
        const dj = fr(d * sc);
        const mj = fr(dmin * m);
        for (let j = 0; j < 32; j++) {
          const i = 256 * blk + 32 * g + j;
          const err = Math.abs(y[i]! - x[i]!);
          se += err * err;
          sx += x[i]! * x[i]!;
          if (dj === 0) continue; // ggml keeps the fit's levels there; covered by the RMS bound
          const t = (x[i]! + mj) / dj;
          const beyond = Math.max(0, t - 15, -t) * dj;
          const slack = 2 ** -20 * (Math.abs(x[i]!) + mj + 16 * dj);
          expect(err, `block ${blk} group ${g} [${j}]`).toBeLessThanOrEqual(dj / 2 + beyond + slack);
        }
      }
    }
    // Relative RMS error on this fixed input is 9.50% (the 6-bit scales of a super-block
    // share one d, so the small-scale runs lose precision); see the q6_k note.
    expect(Math.sqrt(se / sx)).toBeLessThan(0.115);
  });
});

// ---- fixed points ----------------------------------------------------------------

/** Random GGUF blocks of `type` drawn from the family on which ggml's quantizer is a fixed point. */
function fixedPointBlocks(type: 'q8_0' | 'q4_0' | 'q6_k' | 'q4_k', count: number, seed: number): Uint8Array {
  const next = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const half = (lo: number, hi: number, signed: boolean) =>
    f32ToF16Bits((lo + next() * (hi - lo)) * (signed && next() < 0.5 ? -1 : 1));
  const info = ggmlType(type);
  const out = new Uint8Array(count * info.blockBytes);
  for (let b = 0; b < count; b++) {
    const o = b * info.blockBytes;
    if (type === 'q8_0') fillQ8_0(out, o, half(1e-4, 0.05, false), int);
    if (type === 'q4_0') fillQ4_0(out, o, half(1e-4, 0.05, true), int);
    if (type === 'q6_k') fillQ6K(out, o, half(1e-4, 0.01, true), int);
    if (type === 'q4_k') fillQ4K(out, o, half(1e-5, 1e-3, false), half(1e-5, 1e-3, false), int);
  }
  return out;
}

type Int = (lo: number, hi: number) => number;

/** Any int8 levels with one at ±127 (so amax/127 gives d back). */
function fillQ8_0(out: Uint8Array, o: number, d: number, int: Int): void {
  out[o] = d & 0xff;
  out[o + 1] = d >> 8;
  for (let j = 0; j < 32; j++) out[o + 2 + j] = int(-127, 127) & 0xff;
  out[o + 2 + int(0, 31)] = int(0, 1) ? 127 : 0x81;
}

/** Any 4-bit levels with one at 0 (value -8d, the unique largest magnitude). */
function fillQ4_0(out: Uint8Array, o: number, d: number, int: Int): void {
  out[o] = d & 0xff;
  out[o + 1] = d >> 8;
  for (let j = 0; j < 16; j++) out[o + 2 + j] = int(0, 255);
  const j = int(0, 31);
  out[o + 2 + (j & 15)]! &= j < 16 ? 0xf0 : 0x0f;
}

/** Non-zero int8 scales, one at -128; every 16-value group holds a level 0 (its largest magnitude). */
function fillQ6K(out: Uint8Array, o: number, d: number, int: Int): void {
  const q = Array.from({ length: 256 }, () => int(0, 63));
  for (let g = 0; g < 16; g++) q[16 * g + int(0, 15)] = 0;
  for (let h = 0; h < 2; h++) {
    for (let l = 0; l < 32; l++) {
      const [q1, q2, q3, q4] = [0, 32, 64, 96].map((s) => q[128 * h + l + s]!) as [number, number, number, number];
      out[o + 64 * h + l] = (q1 & 15) | ((q3 & 15) << 4);
      out[o + 64 * h + l + 32] = (q2 & 15) | ((q4 & 15) << 4);
      out[o + 128 + 32 * h + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
    }
  }
  for (let g = 0; g < 16; g++) out[o + 192 + g] = (int(1, 127) * (int(0, 1) ? 1 : -1)) & 0xff;
  out[o + 192 + int(0, 15)] = 0x80;
  out[o + 208] = d & 0xff;
  out[o + 209] = d >> 8;
}

/** 6-bit scales ≥ 1 and mins with one of each at 63; every 32-value group holds levels 0 and 15. */
function fillQ4K(out: Uint8Array, o: number, d: number, dmin: number, int: Int): void {
  const sc = Array.from({ length: 8 }, () => int(1, 63));
  const mn = Array.from({ length: 8 }, () => int(0, 63));
  sc[int(0, 7)] = 63;
  mn[int(0, 7)] = 63;
  const L = Array.from({ length: 256 }, () => int(0, 15));
  for (let g = 0; g < 8; g++) {
    L[32 * g + int(0, 15)] = 0;
    L[32 * g + 16 + int(0, 15)] = 15;
  }
  const s = o + 4;
  for (let j = 0; j < 8; j++) {
    if (j < 4) {
      out[s + j] = sc[j]!;
      out[s + j + 4] = mn[j]!;
    } else {
      out[s + j + 4] = (sc[j]! & 15) | ((mn[j]! & 15) << 4);
      out[s + j - 4]! |= (sc[j]! >> 4) << 6;
      out[s + j]! |= (mn[j]! >> 4) << 6;
    }
  }
  for (let c = 0; c < 4; c++)
    for (let l = 0; l < 32; l++) out[o + 16 + 32 * c + l] = L[64 * c + l]! | (L[64 * c + 32 + l]! << 4);
  out[o] = d & 0xff;
  out[o + 1] = d >> 8;
  out[o + 2] = dmin & 0xff;
  out[o + 3] = dmin >> 8;
}

describe('quantize(dequantize(q)) == q where ggml’s quantizer is a fixed point', () => {
  // Checked against ggml's C code on the same families. Outside them none of
  // the block types is a fixed point: the block scale is refitted to the data.
  for (const type of ['q8_0', 'q4_0', 'q6_k', 'q4_k'] as const) {
    it(type, () => {
      const count = type.endsWith('k') ? 41 : 301;
      const q = fixedPointBlocks(type, count, 99);
      const k = ggmlType(type).blockValues;
      const again = quantize(type, dequantize(type, q, count * k), k, count);
      expect(sha256(again)).toBe(sha256(q));
    });
  }

  it('while a block outside the family moves: q8_0 levels -16..15 get d rescaled to amax/127', () => {
    const q = new Uint8Array(34);
    const d = f32ToF16Bits(0.01);
    q[0] = d & 0xff;
    q[1] = d >> 8;
    for (let j = 0; j < 32; j++) q[2 + j] = (j - 16) & 0xff;
    const again = quantize('q8_0', dequantize('q8_0', q, 32), 32, 1);
    expect(f16At(again, 0)).toBeCloseTo((16 * f16At(q, 0)) / 127, 6);
    expect(again[2]).toBe(-127 & 0xff);
  });
});

// ---- golden vectors --------------------------------------------------------------

describe('golden bytes (SHA-256) for seeded inputs', () => {
  // (type, k, n, seed) → SHA-256 of quantize's output. Row counts are odd on purpose.
  const GOLDEN: [GgmlTypeName, number, number, number, string][] = [
    ['f32', 37, 5, 1, '430d928089ed987b3d06508d51ba924a84a8669c6e1c079ea72d33d88874d925'],
    ['f32', 37, 5, 2, '405d86d1a53eedec3a05da781aaa87625bf4d7f9aca9913e752a92cbd8d5279f'],
    ['f16', 37, 5, 1, 'fd219c3415c27d8cd19f293e1eec2939fffddc8c31377c0e2fa47e158321b4a0'],
    ['f16', 37, 5, 2, '8174397f0751f15ac20fc592b2f6bc3257e5c5f302ba30e51ba160ab33cef83f'],
    ['bf16', 37, 5, 1, '77c87c58ffb561a40efda614993cad7b3cf29b63693b10a4e1461512ef3a102a'],
    ['bf16', 37, 5, 2, 'b2f49a9d2902102299e44bf0f4d927111f17f7d38f5069449f1ce9bae69ad93a'],
    ['q8_0', 224, 3, 1, '236e16e9569c0786d28c127929b4a872ce570a8a3a40fbf4e477260c218691c9'],
    ['q8_0', 224, 3, 2, '20827ceab6eaea6ccd69c8a3bd8b60d56cb94a58918f46daaeb55e278a8c8e29'],
    ['q8_0', 224, 3, 3, '976e7e16c09f3375466741bcbb759b1237754c5e8acf7420ff0ee772d6e12e88'],
    ['q4_0', 224, 3, 1, '4cf455ae61903ad4317dd24c17d7755351a75fc99cf06126a37669eccc01a2b7'],
    ['q4_0', 224, 3, 2, '1277162413e97418229c14ac75e65b9ce13ccd95a9ed6b586409171a1735fc33'],
    ['q4_0', 224, 3, 3, 'b975080c09fc1c5c9b1836c9498294f18bc4d363365488a6714b394264622a02'],
    ['q4_k', 256, 3, 1, '93f77775267fe4f4eebbdb3ed1a7569b88229baf0a27b9c1684f35c1086b5d3d'],
    ['q4_k', 256, 3, 2, 'd0f77d6d8950eddb0e56db7937ff534a2f5ea65e595741eed709a2a4e6b28c34'],
    ['q4_k', 256, 3, 3, '56c00ff311f9fdfd4ca0867d2f7957135757d787423e1702b54fddcafc2ddb6b'],
    ['q6_k', 256, 3, 1, '965c6231cb56fda0b1e016c111431528ec37577f19477c6635315d11204cd14e'],
    ['q6_k', 256, 3, 2, '35d1709fb608bbef4ef8c120d7c49dc1d5429d0f378c134fb934ab7abb03ec66'],
    ['q6_k', 256, 3, 3, 'a39425f34406c48e9cd205238712e62c71d1a423d44c2b62354673696b734b54'],
  ];
  for (const [type, k, n, seed, hash] of GOLDEN) {
    it(`${type} (${n}×${k}, seed ${seed})`, () => {
      expect(sha256(quantize(type, weights(k * n, seed), k, n))).toBe(hash);
    });
  }
});

// ---- speed (opt-in: BENCH=1) -------------------------------------------------

describe.skipIf(!process.env.BENCH)('speed', () => {
  it('values per second for each type', () => {
    const k = 4096;
    const n = 64;
    const x = weights(k * n, 123);
    for (const type of TYPES) {
      quantize(type, x, k, n);
      const reps = type.endsWith('k') ? 2 : 10;
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) quantize(type, x, k, n);
      const seconds = (performance.now() - t0) / 1000;
      console.log(`${type}: ${((k * n * reps) / seconds / 1e6).toFixed(1)} M values/s`);
    }
  });
});
