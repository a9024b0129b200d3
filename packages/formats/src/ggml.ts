/**
 * ggml tensor types as GGUF stores them, and the ONE CPU dequantizer.
 *
 * Block layouts follow ggml-common.h; the decoding follows ggml-quants.c
 * `dequantize_row_*`, including its f32 operation order (products rounded with
 * Math.fround where ggml rounds), so a GPU decoder that does the same float
 * operations matches bit for bit. Pure TypeScript: no GPU.
 */
import { RuntimeError } from '@webseek/api';

/** ggml's type ids (enum ggml_type) for the types webseek reads. */
export const GGML_TYPE = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q8_0: 8,
  Q4_K: 12,
  Q6_K: 14,
  BF16: 30,
} as const;

/** Lower-case names, the same spelling as the kernels' weight types. */
export type GgmlTypeName = 'f32' | 'f16' | 'bf16' | 'q8_0' | 'q4_0' | 'q4_k' | 'q6_k';

export interface GgmlTypeInfo {
  name: GgmlTypeName;
  id: number;
  /** Values per block (1 for float types). */
  blockValues: number;
  /** Bytes per block. */
  blockBytes: number;
}

/** K-quant super-block size (QK_K). */
export const QK_K = 256;

export const GGML_TYPES: readonly GgmlTypeInfo[] = [
  { name: 'f32', id: GGML_TYPE.F32, blockValues: 1, blockBytes: 4 },
  { name: 'f16', id: GGML_TYPE.F16, blockValues: 1, blockBytes: 2 },
  { name: 'bf16', id: GGML_TYPE.BF16, blockValues: 1, blockBytes: 2 },
  // block_q4_0 { half d; u8 qs[16]; }
  { name: 'q4_0', id: GGML_TYPE.Q4_0, blockValues: 32, blockBytes: 18 },
  // block_q8_0 { half d; i8 qs[32]; }
  { name: 'q8_0', id: GGML_TYPE.Q8_0, blockValues: 32, blockBytes: 34 },
  // block_q4_K { half d; half dmin; u8 scales[12]; u8 qs[128]; }
  { name: 'q4_k', id: GGML_TYPE.Q4_K, blockValues: QK_K, blockBytes: 144 },
  // block_q6_K { u8 ql[128]; u8 qh[64]; i8 scales[16]; half d; }
  { name: 'q6_k', id: GGML_TYPE.Q6_K, blockValues: QK_K, blockBytes: 210 },
];

/** The type's row of the table, by name or ggml id; UNSUPPORTED_QUANT otherwise. */
export function ggmlType(type: GgmlTypeName | number): GgmlTypeInfo {
  const info = GGML_TYPES.find((t) => t.name === type || t.id === type);
  if (!info) {
    throw new RuntimeError(
      'UNSUPPORTED_QUANT',
      `ggml type ${JSON.stringify(type)} is not supported; supported: ${GGML_TYPES.map((t) => `${t.name}(${t.id})`).join(', ')}`,
      { details: { type } },
    );
  }
  return info;
}

/** Bytes `count` values of `type` take (count must be whole blocks). */
export function ggmlBytes(type: GgmlTypeName | number, count: number): number {
  const info = ggmlType(type);
  checkWholeBlocks(info, count);
  return (count / info.blockValues) * info.blockBytes;
}

// ---- half-precision helpers ----------------------------------------------

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE binary16 bits → number (subnormals, Inf and NaN kept). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** number → IEEE binary16 bits, round to nearest even (overflow → Inf). */
export function f32ToF16(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: shift the mantissa (with its implicit 1) into place and round.
    const m = mant | 0x800000;
    const shift = 14 - e;
    return sign | roundShift(m, shift);
  }
  // Carry from rounding may bump the exponent, which is still correct.
  return sign | ((e << 10) + roundShift(mant, 13));
}

/** bfloat16 bits → number: the upper 16 bits of an f32. */
export function bf16ToF32(h: number): number {
  u32Scratch[0] = (h & 0xffff) << 16;
  return f32Scratch[0]!;
}

/** number → bfloat16 bits, round to nearest even (NaN stays NaN). */
export function f32ToBf16(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  return roundShift(x, 16) & 0xffff;
}

/** x / 2^shift rounded to nearest, ties to even. */
function roundShift(x: number, shift: number): number {
  const q = Math.floor(x / 2 ** shift);
  const r = x - q * 2 ** shift;
  const half = 2 ** (shift - 1);
  return r > half || (r === half && q & 1) ? q + 1 : q;
}

// ---- dequantization ------------------------------------------------------

/** The first `count` values of a tensor stored as `type` in `raw` (GGUF bytes), as f32. */
export function dequantize(type: GgmlTypeName | number, raw: Uint8Array, count: number): Float32Array {
  const info = ggmlType(type);
  checkWholeBlocks(info, count);
  const bytes = (count / info.blockValues) * info.blockBytes;
  if (raw.byteLength < bytes) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `${info.name}: ${count} values need ${bytes} bytes, got ${raw.byteLength}`,
      {
        details: { type: info.name, count, bytes, got: raw.byteLength },
      },
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, bytes);
  const out = new Float32Array(count);
  const decodeBlock = BLOCK_DECODERS[info.name];
  for (let b = 0; b < count / info.blockValues; b++) {
    decodeBlock(view, b * info.blockBytes, out, b * info.blockValues);
  }
  return out;
}

type BlockDecoder = (v: DataView, at: number, out: Float32Array, to: number) => void;

const fr = Math.fround;

const BLOCK_DECODERS: Record<GgmlTypeName, BlockDecoder> = {
  f32: (v, at, out, to) => {
    out[to] = v.getFloat32(at, true);
  },
  f16: (v, at, out, to) => {
    out[to] = f16ToF32(v.getUint16(at, true));
  },
  bf16: (v, at, out, to) => {
    out[to] = bf16ToF32(v.getUint16(at, true));
  },
  q4_0: decodeQ4_0,
  q8_0: decodeQ8_0,
  q4_k: decodeQ4K,
  q6_k: decodeQ6K,
};

/** Value j = low nibble of qs[j], value j+16 = high nibble; (q - 8) * d. */
function decodeQ4_0(v: DataView, at: number, out: Float32Array, to: number): void {
  const d = f16ToF32(v.getUint16(at, true));
  for (let j = 0; j < 16; j++) {
    const q = v.getUint8(at + 2 + j);
    out[to + j] = fr(((q & 0xf) - 8) * d);
    out[to + j + 16] = fr(((q >> 4) - 8) * d);
  }
}

function decodeQ8_0(v: DataView, at: number, out: Float32Array, to: number): void {
  const d = f16ToF32(v.getUint16(at, true));
  for (let j = 0; j < 32; j++) out[to + j] = fr(v.getInt8(at + 2 + j) * d);
}

/** The 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes at `s` (get_scale_min_k4). */
export function scaleMinK4(j: number, v: DataView, s: number): [scale: number, min: number] {
  if (j < 4) return [v.getUint8(s + j) & 63, v.getUint8(s + j + 4) & 63];
  const hi = v.getUint8(s + j + 4);
  return [(hi & 0xf) | ((v.getUint8(s + j - 4) >> 6) << 4), (hi >> 4) | ((v.getUint8(s + j) >> 6) << 4)];
}

/**
 * 8 sub-blocks of 32 values; 64-value chunk c uses qs[32c .. 32c+31]: low
 * nibbles are sub-block 2c, high nibbles sub-block 2c+1. value = d*sc*q - dmin*m.
 */
function decodeQ4K(v: DataView, at: number, out: Float32Array, to: number): void {
  const d = f16ToF32(v.getUint16(at, true));
  const dmin = f16ToF32(v.getUint16(at + 2, true));
  for (let c = 0; c < 4; c++) {
    const [sc1, m1] = scaleMinK4(2 * c, v, at + 4);
    const [sc2, m2] = scaleMinK4(2 * c + 1, v, at + 4);
    const d1 = fr(d * sc1);
    const min1 = fr(dmin * m1);
    const d2 = fr(d * sc2);
    const min2 = fr(dmin * m2);
    for (let l = 0; l < 32; l++) {
      const q = v.getUint8(at + 16 + 32 * c + l);
      out[to + 64 * c + l] = fr(fr(d1 * (q & 0xf)) - min1);
      out[to + 64 * c + 32 + l] = fr(fr(d2 * (q >> 4)) - min2);
    }
  }
}

/**
 * Value v = 128h + 32p + l (h < 2, p < 4, l < 32) takes its low 4 bits from
 * ql[64h + 32 (p % 2) + l] (low nibble for p < 2, high for p >= 2) and its high
 * 2 bits from bits 2p of qh[32h + l]; value = d * scales[v / 16] * (q - 32).
 */
function decodeQ6K(v: DataView, at: number, out: Float32Array, to: number): void {
  const d = f16ToF32(v.getUint16(at + 208, true));
  for (let h = 0; h < 2; h++) {
    const ql = at + 64 * h;
    const qh = at + 128 + 32 * h;
    const sc = at + 192 + 8 * h;
    for (let p = 0; p < 4; p++) {
      for (let l = 0; l < 32; l++) {
        const low = v.getUint8(ql + 32 * (p & 1) + l) >> (4 * (p >> 1));
        const q = ((low & 0xf) | (((v.getUint8(qh + l) >> (2 * p)) & 3) << 4)) - 32;
        const scale = v.getInt8(sc + 2 * p + (l >> 4));
        out[to + 128 * h + 32 * p + l] = fr(fr(d * scale) * q);
      }
    }
  }
}

function checkWholeBlocks(info: GgmlTypeInfo, count: number): void {
  if (!Number.isInteger(count) || count < 0 || count % info.blockValues !== 0) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `${info.name}: ${count} values is not a whole number of ${info.blockValues}-value blocks`,
      { details: { type: info.name, count, blockValues: info.blockValues } },
    );
  }
}
