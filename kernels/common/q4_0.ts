import { checkRaw, decoderPart, highNibbles, lowNibbles, type WeightFormat } from './format.ts';
import decoder from './q4_0.wgsl?raw';

/** GGUF block_q4_0 { f16 d; u8 qs[16] } (18 bytes, 32 values) → q4_0.wgsl's layout. */
export const q4_0Format: WeightFormat = {
  type: 'q4_0',
  ggmlType: 2,
  blockValues: 32,
  blockBytes: 18,
  decoder: decoderPart(decoder),
  words: (k, n) => ({ q: ((k * n) / 32) * 4, s: Math.ceil((k * n) / 64) }),
  repack(raw, k, n) {
    checkRaw(q4_0Format, raw, k, n);
    const blocks = (k * n) / 32;
    const q = new Uint32Array(blocks * 4);
    const s = new Uint32Array(Math.ceil(blocks / 2));
    // DataView reads are single unaligned loads; each 8 quant bytes are read once for both nibble halves.
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let b = 0, at = 0; b < blocks; b++, at += 18) {
      s[b >> 1]! |= view.getUint16(at, true) << (16 * (b & 1));
      const a0 = view.getUint32(at + 2, true);
      const a1 = view.getUint32(at + 6, true);
      const b0 = view.getUint32(at + 10, true);
      const b1 = view.getUint32(at + 14, true);
      // Values 0..15 are the low nibbles of qs[0..15], values 16..31 the high ones.
      q[4 * b] = lowNibbles(a0, a1);
      q[4 * b + 1] = lowNibbles(b0, b1);
      q[4 * b + 2] = highNibbles(a0, a1);
      q[4 * b + 3] = highNibbles(b0, b1);
    }
    return { type: 'q4_0', k, n, k8: k / 8, q, s };
  },
};
