/**
 * quantize_row_q4_K_ref. block_q4_K (144 bytes): f16 d, f16 dmin, scales[12]
 * (eight 6-bit scales and eight 6-bit mins packed as get_scale_min_k4 reads
 * them), qs[128]; sub-block j of 32 values has value = d·sc_j·q - dmin·m_j.
 * Each sub-block is fitted by make_qkx2_quants (15 levels, weights
 * av_x + |x|, rmin -1, rdelta 0.1, 20 steps), the 8 scales and mins are then
 * quantized to 6 bits against their maxima, and the values re-quantized
 * against the stored (rounded) scales.
 */
import { f16BitsToF32, f32ToF16Bits } from './half.ts';
import { nearestInt } from './helpers.ts';
import { type MinOut, makeQkx2Quants } from './qkx2.ts';

const fr = Math.fround;
const QK_K = 256;
const BLOCK_BYTES = 144;

// Per-call scratch, reused across blocks (a quantizer call never re-enters).
const L = new Uint8Array(QK_K);
const weights = new Float32Array(32);
const scales = new Float32Array(8);
const mins = new Float32Array(8);
const minOut: MinOut = { mins, at: 0 };

/** Encode `blocks` super-blocks of 256 values from x[xo..] into out[oo..]. */
export function quantizeQ4K(x: Float32Array, xo: number, blocks: number, out: Uint8Array, oo: number): void {
  for (let b = 0; b < blocks; b++, xo += QK_K, oo += BLOCK_BYTES) {
    fitSubBlocks(x, xo);
    const maxScale = positiveMax(scales);
    const maxMin = positiveMax(mins);
    const invScale = maxScale > 0 ? fr(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? fr(63 / maxMin) : 0;
    const s = oo + 4;
    out.fill(0, s, s + 12);
    for (let j = 0; j < 8; j++) {
      // uint8_t truncation, then MIN(63, ·)
      const ls = Math.min(63, nearestInt(fr(invScale * scales[j]!)) & 0xff);
      const lm = Math.min(63, nearestInt(fr(invMin * mins[j]!)) & 0xff);
      if (j < 4) {
        out[s + j] = ls;
        out[s + j + 4] = lm;
      } else {
        out[s + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
        out[s + j - 4]! |= (ls >> 4) << 6;
        out[s + j]! |= (lm >> 4) << 6;
      }
    }
    const dBits = f32ToF16Bits(fr(maxScale / 63));
    const dminBits = f32ToF16Bits(fr(maxMin / 63));
    out[oo] = dBits & 0xff;
    out[oo + 1] = dBits >>> 8;
    out[oo + 2] = dminBits & 0xff;
    out[oo + 3] = dminBits >>> 8;
    requantize(x, xo, f16BitsToF32(dBits), f16BitsToF32(dminBits), out, s);
    packNibbles(out, oo + 16);
  }
}

/** make_qkx2_quants on each 32-value sub-block → scales, mins, L. */
function fitSubBlocks(x: Float32Array, xo: number): void {
  for (let j = 0; j < 8; j++) {
    const at = xo + 32 * j;
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 = fr(sumX2 + fr(x[at + l]! * x[at + l]!));
    const avX = fr(Math.sqrt(fr(sumX2 / 32)));
    for (let l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[at + l]!); // the store rounds to f32
    minOut.at = j;
    scales[j] = makeQkx2Quants(32, 15, x, at, weights, L, 32 * j, -1, fr(0.1), 20, minOut);
  }
}

/** The largest entry above 0, else 0 (ggml's `if (v > max) max = v` from 0). */
function positiveMax(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}

/** Re-quantize every sub-block whose stored scale is non-zero against the stored d·sc and dmin·m. */
function requantize(x: Float32Array, xo: number, d: number, dmin: number, out: Uint8Array, s: number): void {
  for (let j = 0; j < 8; j++) {
    const sc = j < 4 ? out[s + j]! & 63 : (out[s + j + 4]! & 0xf) | ((out[s + j - 4]! >> 6) << 4);
    const m = j < 4 ? out[s + j + 4]! & 63 : (out[s + j + 4]! >> 4) | ((out[s + j]! >> 6) << 4);
    const dj = fr(d * sc);
    if (dj === 0) continue; // keep make_qkx2_quants' levels, as ggml does
    const dm = fr(dmin * m);
    for (let i = 0; i < 32; i++) {
      const l = nearestInt(fr(fr(x[xo + 32 * j + i]! + dm) / dj));
      L[32 * j + i] = l < 0 ? 0 : Math.min(l, 15);
    }
  }
}

/** qs[32c + l] = L[64c + l] | L[64c + 32 + l] << 4 for 64-value chunk c. */
function packNibbles(out: Uint8Array, q: number): void {
  for (let c = 0; c < 4; c++) {
    for (let l = 0; l < 32; l++) out[q + 32 * c + l] = L[64 * c + l]! | (L[64 * c + 32 + l]! << 4);
  }
}
