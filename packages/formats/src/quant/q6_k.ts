/**
 * quantize_row_q6_K_ref. block_q6_K (210 bytes): ql[128] (low 4 bits),
 * qh[64] (high 2 bits), int8 scales[16], f16 d; sub-block j of 16 values has
 * value = d·scales[j]·(q - 32), q in 0..63. Each sub-block is fitted by
 * make_qx_quants (nmax 32, weights x²); the 16 scales are quantized to int8
 * against the one of largest magnitude (→ -128) and the values re-quantized
 * against the stored (rounded) scales.
 */
import { f16BitsToF32, f32ToF16Bits } from './half.ts';
import { GROUP_MAX_EPS, nearestInt } from './helpers.ts';
import { makeQxQuants } from './qx.ts';

const fr = Math.fround;
const QK_K = 256;
const BLOCK_BYTES = 210;

// Per-call scratch, reused across blocks. Levels are stored offset by 32 (0..63).
const L = new Uint8Array(QK_K);
const scales = new Float32Array(16);

/** Encode `blocks` super-blocks of 256 values from x[xo..] into out[oo..]. */
export function quantizeQ6K(x: Float32Array, xo: number, blocks: number, out: Uint8Array, oo: number): void {
  for (let b = 0; b < blocks; b++, xo += QK_K, oo += BLOCK_BYTES) {
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let ib = 0; ib < 16; ib++) {
      const scale = makeQxQuants(16, 32, x, xo + 16 * ib, L, 16 * ib);
      scales[ib] = scale;
      if (Math.abs(scale) > maxAbsScale) {
        maxAbsScale = Math.abs(scale);
        maxScale = scale;
      }
    }
    if (maxAbsScale < GROUP_MAX_EPS) {
      out.fill(0, oo, oo + BLOCK_BYTES); // d = f16(0) = 0 too
      continue;
    }
    const iscale = fr(-128 / maxScale);
    const dBits = f32ToF16Bits(fr(1 / iscale));
    out[oo + 208] = dBits & 0xff;
    out[oo + 209] = dBits >>> 8;
    for (let ib = 0; ib < 16; ib++) {
      // MIN(127, nearest_int(·)) stored as int8_t; the Uint8Array keeps its byte.
      out[oo + 192 + ib] = Math.min(127, nearestInt(fr(iscale * scales[ib]!)));
    }
    requantize(x, xo, f16BitsToF32(dBits), out, oo + 192);
    pack(out, oo);
  }
}

/** Re-quantize every sub-block whose stored scale is non-zero against d·scale. */
function requantize(x: Float32Array, xo: number, d: number, out: Uint8Array, sc: number): void {
  for (let j = 0; j < 16; j++) {
    const dj = fr(d * ((out[sc + j]! << 24) >> 24));
    if (dj === 0) continue; // keep make_qx_quants' levels, as ggml does
    for (let i = 0; i < 16; i++) {
      const l = nearestInt(fr(x[xo + 16 * j + i]! / dj));
      L[16 * j + i] = (l < -32 ? -32 : Math.min(l, 31)) + 32;
    }
  }
}

/**
 * Per 128-value half h (ql at 64h, qh at 128+32h): for l < 32,
 * ql[l] = q(l) | q(l+64) << 4, ql[l+32] = q(l+32) | q(l+96) << 4 (low 4 bits),
 * qh[l] = the high 2 bits of q(l), q(l+32), q(l+64), q(l+96) at bits 0, 2, 4, 6.
 */
function pack(out: Uint8Array, oo: number): void {
  for (let h = 0; h < 2; h++) {
    const ql = oo + 64 * h;
    const qh = oo + 128 + 32 * h;
    const v = 128 * h;
    for (let l = 0; l < 32; l++) {
      const q1 = L[v + l]!;
      const q2 = L[v + l + 32]!;
      const q3 = L[v + l + 64]!;
      const q4 = L[v + l + 96]!;
      out[ql + l] = (q1 & 0xf) | ((q3 & 0xf) << 4);
      out[ql + l + 32] = (q2 & 0xf) | ((q4 & 0xf) << 4);
      out[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
    }
  }
}
