import { RuntimeError } from '@webseek/api';
import { f32ToBf16, f32ToF16, type GgmlTypeName, ggmlType } from '@webseek/formats';
import { rng } from './random.ts';

/**
 * Raw GGUF bytes of an (n rows, k values) tensor of `type`: random quants and
 * finite random scales sized so dequantized values are mostly O(0.01–1).
 * Deterministic in `seed`. k must be whole blocks of the type.
 */
export function randomGgufTensor(type: GgmlTypeName | number, k: number, n: number, seed: number): Uint8Array {
  const info = ggmlType(type);
  const count = k * n;
  if (!Number.isInteger(k) || !Number.isInteger(n) || k <= 0 || n <= 0 || k % info.blockValues !== 0) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `randomGgufTensor: ${info.name} needs k a positive multiple of ${info.blockValues}; got k=${k} n=${n}`,
    );
  }
  const next = rng(seed);
  const blocks = count / info.blockValues;
  const raw = new Uint8Array(blocks * info.blockBytes);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(next() * 256);
  const view = new DataView(raw.buffer);
  const between = (lo: number, hi: number) => lo + (hi - lo) * next();
  const signed = (lo: number, hi: number) => (next() < 0.5 ? -1 : 1) * between(lo, hi);
  switch (info.name) {
    case 'f32':
      for (let i = 0; i < count; i++) view.setFloat32(4 * i, between(-1, 1), true);
      break;
    case 'f16':
      for (let i = 0; i < count; i++) view.setUint16(2 * i, f32ToF16(between(-1, 1)), true);
      break;
    case 'bf16':
      for (let i = 0; i < count; i++) view.setUint16(2 * i, f32ToBf16(between(-1, 1)), true);
      break;
    case 'q4_0':
      // d first in the block; the quants stay random bytes: |(q - 8)·d| ≤ 0.16.
      for (let b = 0; b < blocks; b++) view.setUint16(b * 18, f32ToF16(signed(0.002, 0.02)), true);
      break;
    case 'q8_0':
      // |q·d| ≤ 1.3.
      for (let b = 0; b < blocks; b++) view.setUint16(b * 34, f32ToF16(signed(0.001, 0.01)), true);
      break;
    case 'q4_k':
      // d, dmin first; 6-bit scales up to 63 and nibbles up to 15 → |d·sc·q| ≤ 1.9.
      for (let b = 0; b < blocks; b++) {
        view.setUint16(b * 144, f32ToF16(between(0.0002, 0.002)), true);
        view.setUint16(b * 144 + 2, f32ToF16(between(0.0002, 0.002)), true);
      }
      break;
    case 'q6_k':
      // d last (byte 208); int8 scales up to ±128 and q-32 in [-32, 31] → |value| ≤ 4.1.
      for (let b = 0; b < blocks; b++) view.setUint16(b * 210 + 208, f32ToF16(between(0.0001, 0.001)), true);
      break;
  }
  return raw;
}
