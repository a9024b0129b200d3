import { checkRaw, highNibbles8, lowNibbles8, u32At, type WeightFormat } from './format.ts';
import decoder from './q4_k.wgsl?raw';

/**
 * GGUF block_q4_K { f16 d; f16 dmin; u8 scales[12]; u8 qs[128] } (144 bytes, 256
 * values) → q4_k.wgsl's layout. GGUF's 64-value chunk c holds its first 32 values
 * in the low nibbles of qs[32c .. 32c+31] and the next 32 in the high nibbles.
 */
export const q4_kFormat: WeightFormat = {
  type: 'q4_k',
  ggmlType: 12,
  blockValues: 256,
  blockBytes: 144,
  decoder,
  words: (k, n) => ({ q: ((k * n) / 256) * 32, s: ((k * n) / 256) * 4 }),
  repack(raw, k, n) {
    checkRaw(q4_kFormat, raw, k, n);
    const blocks = (k * n) / 256;
    const q = new Uint32Array(blocks * 32);
    const s = new Uint32Array(blocks * 4);
    for (let b = 0, at = 0; b < blocks; b++, at += 144) {
      // d | dmin << 16, then the 12 scale bytes as they are.
      for (let w = 0; w < 4; w++) s[4 * b + w] = u32At(raw, at + 4 * w);
      for (let c = 0; c < 4; c++) {
        for (let r = 0; r < 4; r++) {
          const src = at + 16 + 32 * c + 8 * r;
          q[32 * b + 8 * c + r] = lowNibbles8(raw, src);
          q[32 * b + 8 * c + 4 + r] = highNibbles8(raw, src);
        }
      }
    }
    return { type: 'q4_k', k, n, k8: k / 8, q, s };
  },
};
