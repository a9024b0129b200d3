/**
 * ggml `make_qx_quants` for rmse_type 1 with no importance weights (w = x²),
 * the only form the *_ref quantizers use (q6_K): signed levels -nmax..nmax-1
 * with one scale, the best of 19 trial scales by (Σw·x·l)² / Σw·l·l (f32
 * rules in helpers.ts).
 *
 * Exact shortcuts (same bytes, less work):
 * - a level is recomputed only where it may change: each value carries the
 *   interval of iscale over which its level provably stays (helpers.ts
 *   keepInterval);
 * - w and w·x are computed once per group (the very f32 values ggml
 *   recomputes per trial);
 * - a trial whose levels equal the previous trial's is skipped: its sums, so
 *   its accept test and what it would store, are the previous trial's, which
 *   left the state as they dictate;
 * - the running sums resume at the first level that changed (sums over an
 *   unchanged prefix are bit-identical).
 * Speed notes as in qkx2.ts.
 */
import { GROUP_MAX_EPS, keepInterval, levelCells, nearestInt } from './helpers.ts';

const MAX_N = 32;

/**
 * Per-value state of the group, 8 slots per value i at 8i: +0 x, +1 w = x²,
 * +2 w·x, +3 the held (signed) level, +4 Σw·x·l, +5 Σw·l·l (running f32 sums
 * up to and including value i), +6 and +7 the interval of iscale over which
 * the held level stays (NaN: unknown).
 */
const STATE = new Float64Array(MAX_N * 8);

/** Levels l + nmax → L[lo..lo+n) for x[xo..xo+n); returns the scale (0 for an all-zero group). n ≤ 32. */
export function makeQxQuants(n: number, nmax: number, x: Float32Array, xo: number, L: Uint8Array, lo: number): number {
  const fr = Math.fround;
  const st = STATE;
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xo + i]!;
    const w = fr(xi * xi);
    st[8 * i] = xi;
    st[8 * i + 1] = w;
    st[8 * i + 2] = fr(w * xi);
    st[8 * i + 6] = Number.NaN;
    if (Math.abs(xi) > amax) {
      amax = Math.abs(xi);
      max = xi;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  const cells = levelCells(-nmax, nmax - 1).bounds;
  levels(n, nmax, fr(-nmax / max), st, cells);
  sums(n, 0, st);
  for (let i = 0; i < n; i++) L[lo + i] = st[8 * i + 3]! + nmax;
  let sumlx = st[8 * n - 4]!;
  let suml2 = st[8 * n - 3]!;
  // C `suml2 ? … : 0` — NaN counts as true there, so compare with 0 explicitly.
  let scale = suml2 !== 0 ? fr(sumlx / suml2) : 0;
  let best = fr(scale * sumlx);
  const tenth = fr(0.1);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    const first = levels(n, nmax, fr(-fr(nmax + fr(tenth * is)) / max), st, cells);
    if (first === n) continue;
    sums(n, first, st);
    sumlx = st[8 * n - 4]!;
    suml2 = st[8 * n - 3]!;
    if (suml2 > 0 && fr(sumlx * sumlx) > fr(best * suml2)) {
      for (let i = 0; i < n; i++) L[lo + i] = st[8 * i + 3]! + nmax;
      scale = fr(sumlx / suml2);
      best = fr(scale * sumlx);
    }
  }
  return scale;
}

/**
 * Slot +3 = MAX(-nmax, MIN(nmax-1, nearest_int(fr(iscale·x)))) for the values
 * whose iscale left their keep-interval; returns the first index whose level
 * changed, n if none. nearest_int's fast path is inlined.
 */
function levels(n: number, nmax: number, iscale: number, st: Float64Array, cells: Float64Array): number {
  const fr = Math.fround;
  let first = n;
  for (let i = n - 1; i >= 0; i--) {
    const o = 8 * i;
    if (iscale > st[o + 6]! && iscale < st[o + 7]!) continue;
    const v = st[o]!;
    const t = fr(iscale * v);
    const s = fr(t + 12582912);
    let l = s >= 8388608 && s < 16777216 ? s - 12582912 : nearestInt(t);
    l = Math.min(l, nmax - 1);
    l = Math.max(l, -nmax);
    keepInterval(st, o + 6, o + 7, v, cells[2 * (l + nmax)]!, cells[2 * (l + nmax) + 1]!);
    if (l !== st[o + 3]) {
      st[o + 3] = l;
      first = i;
    }
  }
  return first;
}

/** Slots +4, +5: running Σw·x·l and Σw·l·l in ggml's order, resumed at value `from`. */
function sums(n: number, from: number, st: Float64Array): void {
  const fr = Math.fround;
  let lx = from > 0 ? st[8 * from - 4]! : 0;
  let l2 = from > 0 ? st[8 * from - 3]! : 0;
  for (let i = from; i < n; i++) {
    const o = 8 * i;
    const l = st[o + 3]!;
    lx = fr(lx + fr(st[o + 2]! * l));
    l2 = fr(l2 + fr(fr(st[o + 1]! * l) * l));
    st[o + 4] = lx;
    st[o + 5] = l2;
  }
}
