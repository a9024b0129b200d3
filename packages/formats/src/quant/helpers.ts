/**
 * What ggml's K-quant reference quantizers share (ggml-quants.c): the f32
 * rules below, `nearest_int`, GROUP_MAX_EPS.
 *
 * Float semantics: ggml computes these in C `float` with no fused multiply-add
 * (ggml-base is built without -march flags, so x86-64 SSE rounding applies
 * after every operation). Every JS operation whose C counterpart rounds to
 * float is wrapped in Math.fround. A double result rounded to float is the
 * correctly rounded float result for + - * / and sqrt of float operands
 * (53 ≥ 2·24 + 2), so one fround per C operation is exact, not approximate.
 * Builds that contract a*b+c into FMA (clang on arm64) can differ in the last
 * bit of intermediate sums, and so occasionally in a chosen level.
 */

const fr = Math.fround;

/** 1.5 · 2^23: adding it to |v| ≤ 2^22 leaves round-to-nearest-even(v) in the low mantissa bits. */
const MAGIC = 12582912;
/** GROUP_MAX_EPS (1e-15f): below this a group is treated as all zero. */
export const GROUP_MAX_EPS = fr(1e-15);

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);

/**
 * ggml `nearest_int`: float add of 12582912, then the low 23 mantissa bits
 * minus 2^22. In range (|v| ≤ 4194303) that is round-half-even; out of range
 * (ggml only asserts in debug builds) the same bit arithmetic is reproduced.
 */
export function nearestInt(v: number): number {
  const s = fr(v + MAGIC);
  if (s >= 8388608 && s < 16777216) return (s - MAGIC) | 0;
  F32[0] = s;
  return (I32[0]! & 0x007fffff) - 0x00400000;
}

/**
 * Where nearest_int's answer is certain without computing it: for t the
 * product of two f32 values (exact as a double), bounds[2k] < t < bounds[2k+1]
 * with k = l - first implies MAX(first, MIN(last, nearest_int(fr(t)))) === l,
 * because fr is monotone and the bounds are the f32 values just inside
 * (l - 0.5, l + 0.5) (±Infinity at the clamped ends). The level searches
 * turn these into per-value iscale intervals (keepInterval) and run the
 * exact code only for values whose iscale left theirs.
 */
export interface LevelCells {
  first: number;
  last: number;
  bounds: Float64Array;
}

// The few (first, last) pairs in use, looked up without building a key.
const CELLS: LevelCells[] = [];

export function levelCells(first: number, last: number): LevelCells {
  for (const cells of CELLS) if (cells.first === first && cells.last === last) return cells;
  const bounds = new Float64Array(2 * (last - first + 1));
  for (let l = first; l <= last; l++) {
    bounds[2 * (l - first)] = l === first ? -Infinity : nextF32(l - 0.5, 1);
    bounds[2 * (l - first) + 1] = l === last ? Infinity : nextF32(l + 0.5, -1);
  }
  const cells = { first, last, bounds };
  CELLS.push(cells);
  return cells;
}

/** The f32 neighbour of the non-zero f32 `v` towards +∞ (dir 1) or -∞ (dir -1). */
function nextF32(v: number, dir: 1 | -1): number {
  F32[0] = v;
  I32[0] = I32[0]! + (v > 0 ? dir : -dir);
  return F32[0]!;
}

/**
 * Stores at st[a], st[b] an interval (A, B) of iscale over which a value v
 * keeps the level whose cell is (cellLo, cellHi): A < iscale < B implies
 * cellLo < iscale·v < cellHi, for the exact double product of two f32
 * values. The quotients are moved inwards by 2^-50 relative, more than a
 * double division's rounding, so the implication holds despite it. v = 0
 * keeps its level for every iscale; a NaN v gets an empty interval.
 */
export function keepInterval(st: Float64Array, a: number, b: number, v: number, cellLo: number, cellHi: number): void {
  if (v === 0) {
    st[a] = -Infinity;
    st[b] = Infinity;
  } else if (v > 0) {
    st[a] = nudge(cellLo / v, 1);
    st[b] = nudge(cellHi / v, -1);
  } else {
    st[a] = nudge(cellHi / v, 1);
    st[b] = nudge(cellLo / v, -1);
  }
}

/** q moved by 2^-50·|q| towards +∞ (dir 1) or -∞ (dir -1); infinities and NaN unchanged. */
function nudge(q: number, dir: 1 | -1): number {
  return Number.isFinite(q) ? q + dir * Math.abs(q) * 2 ** -50 : q;
}
