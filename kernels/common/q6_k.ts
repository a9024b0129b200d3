import { checkRaw, decoderPart, highNibbles, lowNibbles, type WeightFormat } from './format.ts';
import decoder from './q6_k.wgsl?raw';

/**
 * GGUF block_q6_K { u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d } (210 bytes, 256
 * values) → q6_k.wgsl's layout. In GGUF, value v = 128h + 32p + l (h < 2, p < 4,
 * l < 32) has its low 4 bits in ql[64h + 32 (p % 2) + l] (low nibble for p < 2,
 * high for p ≥ 2) and its high 2 bits at bits 2p of qh[32h + l].
 */
export const q6_kFormat: WeightFormat = {
  type: 'q6_k',
  ggmlType: 14,
  blockValues: 256,
  blockBytes: 210,
  decoder: decoderPart(decoder),
  words: (k, n) => ({ q: ((k * n) / 256) * 48, s: ((k * n) / 256) * 5 }),
  repack(raw, k, n) {
    checkRaw(q6_kFormat, raw, k, n);
    const blocks = (k * n) / 256;
    const q = new Uint32Array(blocks * 48);
    const s = new Uint32Array(blocks * 5);
    // DataView reads are single unaligned loads: whole words, never byte by byte.
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let b = 0, at = 0; b < blocks; b++, at += 210) {
      repackLow(view, at, q, 48 * b);
      repackHigh(view, at + 128, q, 48 * b + 32);
      for (let w = 0; w < 4; w++) s[5 * b + w] = view.getUint32(at + 192 + 4 * w, true);
      s[5 * b + 4] = view.getUint16(at + 208, true);
    }
    return { type: 'q6_k', k, n, k8: k / 8, q, s };
  },
};

/** 32 words of low 4 bits: word t holds values 8t .. 8t+7. */
function repackLow(view: DataView, ql: number, q: Uint32Array, to: number): void {
  for (let t = 0; t < 32; t++) {
    const h = t >> 4;
    const p = (t >> 2) & 3;
    const src = ql + 64 * h + 32 * (p & 1) + 8 * (t & 3);
    const a = view.getUint32(src, true);
    const b = view.getUint32(src + 4, true);
    q[to + t] = p < 2 ? lowNibbles(a, b) : highNibbles(a, b);
  }
}

/** 16 words of high 2 bits: word t holds values 16t .. 16t+15, 2 bits each. */
function repackHigh(view: DataView, qh: number, q: Uint32Array, to: number): void {
  for (let t = 0; t < 16; t++) {
    const h = t >> 3;
    const shift = 2 * ((t >> 1) & 3);
    const src = qh + 32 * h + 16 * (t & 1);
    q[to + t] =
      (crumbs4(view.getUint32(src, true), shift) |
        (crumbs4(view.getUint32(src + 4, true), shift) << 8) |
        (crumbs4(view.getUint32(src + 8, true), shift) << 16) |
        (crumbs4(view.getUint32(src + 12, true), shift) << 24)) >>>
      0;
  }
}

/** Bits shift..shift+1 of each of the 4 bytes of w, as 4 contiguous 2-bit fields (byte i's at bits 2i). */
function crumbs4(w: number, shift: number): number {
  const x = (w >>> shift) & 0x03030303;
  const y = (x | (x >>> 6)) & 0x000f000f;
  return (y | (y >>> 12)) & 0xff;
}
