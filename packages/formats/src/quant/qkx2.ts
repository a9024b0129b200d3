/**
 * ggml `make_qkx2_quants` with use_mad = false (the form
 * quantize_row_q4_K_ref uses): levels 0..nmax with a scale and a
 * (non-positive) offset fitted by weighted least squares over nstep+1 trial
 * scales, judged by weighted squared error (f32 rules in helpers.ts). As in
 * ggml, `min` is updated inside the search, so later trial scales are
 * measured from the best offset found so far.
 *
 * Exact shortcuts (same bytes, less work):
 * - a level is recomputed only where it may change: each value carries the
 *   interval of iscale over which its level provably stays (helpers.ts
 *   keepInterval), refreshed whenever it is recomputed or min changes;
 * - a trial whose levels equal the previous trial's is skipped: all that
 *   follows the levels is a function of them, and the previous trial already
 *   left the state as that function dictates;
 * - the running sums resume at the first level that changed (sums over an
 *   unchanged prefix are bit-identical);
 * - scale·l + min is taken from a per-trial table over l = 0..nmax (the same
 *   f32 value for every value at level l);
 * - a trial whose f32 error provably cannot beat the best is rejected from
 *   O(1) double arithmetic (certainlyWorse); otherwise its error sum stops
 *   once it reaches the best error: its terms are ≥ 0 (or NaN), so the f32
 *   running sum never decreases and the trial could only lose.
 *
 * Speed notes (V8): hot loops use one typed array with literal offsets and a
 * function-local Math.fround; module-level constants and helper calls inside
 * them cost a context load and a check per use.
 */
import { keepInterval, levelCells, nearestInt } from './helpers.ts';

const MAX_N = 32;
const MAX_LEVELS = 64;

/**
 * Per-value state of the group being fitted, 12 slots per value i at 12i:
 * +0 x, +1 w, +2 and +7 the interval of iscale over which the held level
 * stays (NaN: unknown), +3 the held level, +4 Σw·l, +5 Σw·l·l, +6 Σw·l·x
 * (running f32 sums, ggml's, up to and including value i, for the levels
 * held), +8 Σw·l, +9 Σw·l·l, +10 Σw·l·x (the same sums in double, for
 * certainlyWorse). One array: a hot loop pays V8's checks once.
 */
const STATE = new Float64Array(MAX_N * 12);
/** fr(fr(scale·l) + min) by level l. */
const FIT = new Float64Array(MAX_LEVELS);

/** Where makeQkx2Quants leaves the group's offset (`*the_min`, a non-negative f32). */
export interface MinOut {
  mins: Float32Array;
  at: number;
}

/**
 * Levels → L[lo..lo+n) for x[xo..xo+n) with weights[0..n); -min → out.mins[out.at];
 * returns the scale. n ≤ 32, nmax < 64.
 */
export function makeQkx2Quants(
  n: number,
  nmax: number,
  x: Float32Array,
  xo: number,
  weights: Float32Array,
  L: Uint8Array,
  lo: number,
  rmin: number,
  rdelta: number,
  nstep: number,
  out: MinOut,
): number {
  const fr = Math.fround;
  const st = STATE;
  let min = x[xo]!;
  let max = min;
  let sumW = weights[0]!;
  let sumX = fr(sumW * min);
  // Σw, Σw·x, Σw·x² in double, for certainlyWorse.
  let gW = 0;
  let gX = 0;
  let gXX = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xo + i]!;
    const w = weights[i]!;
    st[12 * i] = xi;
    st[12 * i + 1] = w;
    gW += w;
    gX += w * xi;
    gXX += w * xi * xi;
  }
  for (let i = 1; i < n; i++) {
    const xi = st[12 * i]!;
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    sumW = fr(sumW + st[12 * i + 1]!);
    sumX = fr(sumX + fr(st[12 * i + 1]! * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lo, lo + n);
    out.mins[out.at] = -min;
    return 0;
  }
  let iscale = fr(nmax / fr(max - min));
  let scale = fr(1 / iscale);
  for (let i = 0; i < n; i++) {
    const l = Math.max(0, Math.min(nmax, nearestInt(fr(iscale * fr(st[12 * i]! - min)))));
    st[12 * i + 3] = l;
    L[lo + i] = l;
  }
  let bestError = weightedError(n, nmax, st, scale, min, Number.NaN, FIT);
  if (nstep < 1) {
    out.mins[out.at] = -min;
    return scale;
  }
  const cells = levelCells(0, nmax).bounds;
  forgetIntervals(n, st);
  let havePrevious = false;
  for (let is = 0; is <= nstep; is++) {
    iscale = fr(fr(fr(rmin + fr(rdelta * is)) + nmax) / fr(max - min));
    let first = levels(n, nmax, iscale, min, st, cells);
    if (havePrevious && first === n) continue;
    if (!havePrevious) first = 0;
    havePrevious = true;
    sums(n, first, st);
    const sumL = st[12 * n - 8]!;
    const sumL2 = st[12 * n - 7]!;
    const sumXL = st[12 * n - 6]!;
    const D = fr(fr(sumW * sumL2) - fr(sumL * sumL));
    if (!(D > 0)) continue;
    let thisScale = fr(fr(fr(sumW * sumXL) - fr(sumX * sumL)) / D);
    let thisMin = fr(fr(fr(sumL2 * sumX) - fr(sumL * sumXL)) / D);
    if (thisMin > 0) {
      thisMin = 0;
      thisScale = fr(sumXL / sumL2);
    }
    if (
      certainlyWorse(n, thisScale, thisMin, bestError, gW, gX, gXX, st[12 * n - 4]!, st[12 * n - 3]!, st[12 * n - 2]!)
    ) {
      continue;
    }
    const curError = weightedError(n, nmax, st, thisScale, thisMin, bestError, FIT);
    if (curError < bestError) {
      for (let i = 0; i < n; i++) L[lo + i] = st[12 * i + 3]!;
      bestError = curError;
      scale = thisScale;
      min = thisMin;
      forgetIntervals(n, st);
    }
  }
  out.mins[out.at] = -min;
  return scale;
}

/** Marks every value's keep-interval unknown (at the start, and when min changes). */
function forgetIntervals(n: number, st: Float64Array): void {
  for (let i = 0; i < n; i++) st[12 * i + 2] = Number.NaN;
}

/**
 * Slot +3 = MAX(0, MIN(nmax, nearest_int(fr(iscale·fr(x - min))))) for the
 * values whose iscale left their keep-interval; returns the first index whose
 * level changed, n if none. nearest_int is inlined: its fast path, with the
 * function for the out-of-range rest.
 */
function levels(n: number, nmax: number, iscale: number, min: number, st: Float64Array, cells: Float64Array): number {
  const fr = Math.fround;
  let first = n;
  for (let i = n - 1; i >= 0; i--) {
    const o = 12 * i;
    if (iscale > st[o + 2]! && iscale < st[o + 7]!) continue;
    const v = fr(st[o]! - min);
    const t = fr(iscale * v);
    const s = fr(t + 12582912);
    let l = s >= 8388608 && s < 16777216 ? s - 12582912 : nearestInt(t);
    l = Math.min(l, nmax);
    l = Math.max(l, 0);
    keepInterval(st, o + 2, o + 7, v, cells[2 * l]!, cells[2 * l + 1]!);
    if (l !== st[o + 3]) {
      st[o + 3] = l;
      first = i;
    }
  }
  return first;
}

/** Slots +4..+6: running Σw·l, Σw·l·l, Σw·l·x in ggml's order (+8..+10: in double), resumed at value `from`. */
function sums(n: number, from: number, st: Float64Array): void {
  const fr = Math.fround;
  let sL = from > 0 ? st[12 * from - 8]! : 0;
  let sL2 = from > 0 ? st[12 * from - 7]! : 0;
  let sXL = from > 0 ? st[12 * from - 6]! : 0;
  let dL = from > 0 ? st[12 * from - 4]! : 0;
  let dL2 = from > 0 ? st[12 * from - 3]! : 0;
  let dXL = from > 0 ? st[12 * from - 2]! : 0;
  for (let i = from; i < n; i++) {
    const o = 12 * i;
    const l = st[o + 3]!;
    const w = st[o + 1]!;
    const wl = fr(w * l);
    sL = fr(sL + wl);
    sL2 = fr(sL2 + fr(wl * l));
    sXL = fr(sXL + fr(wl * st[o]!));
    st[o + 4] = sL;
    st[o + 5] = sL2;
    st[o + 6] = sXL;
    dL += w * l;
    dL2 += w * l * l;
    dXL += w * l * st[o]!;
    st[o + 8] = dL;
    st[o + 9] = dL2;
    st[o + 10] = dXL;
  }
}

/**
 * Σ w·(scale·l + min - x)² in ggml's order over the held levels, or a value
 * ≥ bound as soon as the running sum reaches it (bound NaN: no early stop).
 */
function weightedError(
  n: number,
  nmax: number,
  st: Float64Array,
  scale: number,
  min: number,
  bound: number,
  fit: Float64Array,
): number {
  const fr = Math.fround;
  for (let l = 0; l <= nmax; l++) fit[l] = fr(fr(scale * l) + min);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const o = 12 * i;
    const diff = fr(fit[st[o + 3]!]! - st[o]!);
    e = fr(e + fr(st[o + 1]! * fr(diff * diff)));
    if (e >= bound) return e; // never true for bound NaN: the full sum
  }
  return e;
}

/**
 * True only if ggml's f32 error sum Σ fl(w·fl(c²)), c = fl(fl(fl(s·l) + m) - x),
 * is provably ≥ bound, so the trial would be rejected; false when unsure.
 * From the group's double sums (products exact, sums within n·2^-53):
 * - E = Σw(s·l + m - x)², the exact error of this (s, m), is s²ΣwL² + 2sm·ΣwL
 *   + m²Σw - 2s·ΣwLX - 2m·ΣwX + ΣwX²; evaluated in double its error is below
 *   2^-40 of the magnitudes summed (Σw·l·|x| ≤ √(ΣwL²·ΣwX²), Σw|x| ≤ √(Σw·ΣwX²));
 * - each c is within δ = 3.01u·(|s·l| + |m| + |x|) + 2^-147 of d = s·l + m - x
 *   (u = 2^-24, three roundings, subnormal absolute error included), so
 *   c² ≥ d² - 2|d|δ, and Σw|d|(|s·l| + |m| + |x|) ≤ √(E·Q) with
 *   Q = 3(s²ΣwL² + m²Σw + ΣwX²), Σw|d| ≤ √(Σw·E) (Cauchy–Schwarz, w ≥ 0);
 * - the two roundings per term and the n additions of non-negative terms
 *   lose at most a factor (1-u)^(n+2), plus 2^-149 per rounding that lands
 *   below the normal range.
 * Hence f32 sum ≥ (1-(n+2)u)(E - a√E) - (Σw + n)·2^-149 with a = 6.02u√Q +
 * 2^-146√Σw, and E - a√E grows with E once E ≥ a². The code uses wider
 * constants than these; NaN or overflow anywhere gives false (exact path).
 */
function certainlyWorse(
  n: number,
  s: number,
  m: number,
  bound: number,
  sumW: number,
  sumX: number,
  sumXX: number,
  sumL: number,
  sumLL: number,
  sumLX: number,
): boolean {
  const u = 2 ** -24;
  const e = s * s * sumLL + 2 * s * m * sumL + m * m * sumW - 2 * s * sumLX - 2 * m * sumX + sumXX;
  const magnitude =
    s * s * sumLL +
    2 * Math.abs(s * m) * sumL +
    m * m * sumW +
    2 * Math.abs(s) * Math.sqrt(sumLL * sumXX) +
    2 * Math.abs(m) * Math.sqrt(sumW * sumXX) +
    sumXX;
  const eLow = e - magnitude * 2 ** -40;
  const a = 8 * u * Math.sqrt(3 * (s * s * sumLL + m * m * sumW + sumXX)) + 2 ** -145 * Math.sqrt(sumW);
  if (!(eLow >= a * a)) return false;
  return (1 - (n + 4) * u) * (eLow - a * Math.sqrt(eLow)) - (sumW + n) * 2 ** -148 >= bound;
}
