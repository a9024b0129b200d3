import { checkRaw, decoderPart, highNibbles8, lowNibbles8, u16At, u32At, type WeightFormat } from './format.ts';
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
    for (let b = 0, at = 0; b < blocks; b++, at += 210) {
      repackLow(raw, at, q, 48 * b);
      repackHigh(raw, at + 128, q, 48 * b + 32);
      for (let w = 0; w < 4; w++) s[5 * b + w] = u32At(raw, at + 192 + 4 * w);
      s[5 * b + 4] = u16At(raw, at + 208);
    }
    return { type: 'q6_k', k, n, k8: k / 8, q, s };
  },
};

/** 32 words of low 4 bits: word t holds values 8t .. 8t+7. */
function repackLow(raw: Uint8Array, ql: number, q: Uint32Array, to: number): void {
  for (let t = 0; t < 32; t++) {
    const h = t >> 4;
    const p = (t >> 2) & 3;
    const src = ql + 64 * h + 32 * (p & 1) + 8 * (t & 3);
    q[to + t] = p < 2 ? lowNibbles8(raw, src) : highNibbles8(raw, src);
  }
}

/** 16 words of high 2 bits: word t holds values 16t .. 16t+15, 2 bits each. */
function repackHigh(raw: Uint8Array, qh: number, q: Uint32Array, to: number): void {
  for (let t = 0; t < 16; t++) {
    const h = t >> 3;
    const shift = 2 * ((t >> 1) & 3);
    const src = qh + 32 * h + 16 * (t & 1);
    let word = 0;
    for (let i = 0; i < 16; i++) word |= ((raw[src + i]! >> shift) & 3) << (2 * i);
    q[to + t] = word >>> 0;
  }
}
