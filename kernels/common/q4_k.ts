import { checkRaw, decoderPart, highNibbles, lowNibbles, type WeightFormat } from './format.ts';
import decoder from './q4_k.wgsl?raw';

/**
 * GGUF block_q4_K { f16 d; f16 dmin; u8 scales[12]; u8 qs[128] } (144 bytes, 256
 * values) → q4_k.wgsl's layout. GGUF's 64-value chunk c holds its first 32 values
 * in the low nibbles of qs[32c .. 32c+31] and the next 32 in the high nibbles.
 * The 6-bit scales and mins are unpacked here once (ggml's get_scale_min_k4), so
 * the kernels read one word per sub-block instead of decoding 12 packed bytes.
 */
export const q4_kFormat: WeightFormat = {
  type: 'q4_k',
  ggmlType: 12,
  blockValues: 256,
  blockBytes: 144,
  decoder: decoderPart(decoder),
  words: (k, n) => ({ q: ((k * n) / 256) * 32, s: ((k * n) / 256) * 5 }),
  repack(raw, k, n) {
    checkRaw(q4_kFormat, raw, k, n);
    const blocks = (k * n) / 256;
    const q = new Uint32Array(blocks * 32);
    const s = new Uint32Array(blocks * 5);
    // DataView reads are single unaligned loads; each 8 quant bytes are read once for both nibble halves.
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let b = 0, at = 0; b < blocks; b++, at += 144) {
      s[5 * b] = view.getUint32(at, true); // d | dmin << 16
      for (let j = 0; j < 4; j++) {
        s[5 * b + 1 + j] = (scaleMin(raw, at + 4, 2 * j) | (scaleMin(raw, at + 4, 2 * j + 1) << 16)) >>> 0;
      }
      for (let c = 0; c < 4; c++) {
        for (let r = 0; r < 4; r++) {
          const src = at + 16 + 32 * c + 8 * r;
          const lo = view.getUint32(src, true);
          const hi = view.getUint32(src + 4, true);
          q[32 * b + 8 * c + r] = lowNibbles(lo, hi);
          q[32 * b + 8 * c + 4 + r] = highNibbles(lo, hi);
        }
      }
    }
    return { type: 'q4_k', k, n, k8: k / 8, q, s };
  },
};

/** Sub-block j's 6-bit scale | min << 8 from the 12 packed bytes at `at` (ggml's get_scale_min_k4). */
// No closures or float indices here: this runs 8 times per 256 values of every Q4_K tensor at load.
function scaleMin(raw: Uint8Array, at: number, j: number): number {
  if (j < 4) return (raw[at + j]! & 63) | ((raw[at + j + 4]! & 63) << 8);
  const packed = raw[at + j + 4]!;
  const sc = (packed & 15) | ((raw[at + j - 4]! >> 6) << 4);
  const m = (packed >> 4) | ((raw[at + j]! >> 6) << 4);
  return sc | (m << 8);
}
