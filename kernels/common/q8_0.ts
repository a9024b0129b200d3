import { checkRaw, decoderPart, u16At, u32At, type WeightFormat } from './format.ts';
import decoder from './q8_0.wgsl?raw';

/** GGUF block_q8_0 { f16 d; i8 qs[32] } (34 bytes, 32 values) → q8_0.wgsl's layout. */
export const q8_0Format: WeightFormat = {
  type: 'q8_0',
  ggmlType: 8,
  blockValues: 32,
  blockBytes: 34,
  decoder: decoderPart(decoder),
  words: (k, n) => ({ q: ((k * n) / 32) * 8, s: Math.ceil((k * n) / 64) }),
  repack(raw, k, n) {
    checkRaw(q8_0Format, raw, k, n);
    const blocks = (k * n) / 32;
    const q = new Uint32Array(blocks * 8);
    const s = new Uint32Array(Math.ceil(blocks / 2));
    // Blocks are 34 bytes, so on an even byteOffset every block is 2-byte aligned: read u16 halves.
    const h = raw.byteOffset % 2 === 0 ? new Uint16Array(raw.buffer, raw.byteOffset, blocks * 17) : undefined;
    for (let b = 0, at = 0; b < blocks; b++, at += 34) {
      s[b >> 1]! |= u16At(raw, at) << (16 * (b & 1));
      if (h) for (let w = 0, i = 17 * b + 1; w < 8; w++, i += 2) q[8 * b + w] = h[i]! | (h[i + 1]! << 16);
      else for (let w = 0; w < 8; w++) q[8 * b + w] = u32At(raw, at + 2 + 4 * w);
    }
    return { type: 'q8_0', k, n, k8: k / 8, q, s };
  },
};
