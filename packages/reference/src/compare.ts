export interface Tolerance {
  /** Absolute bound. */
  atol: number;
  /** Bound relative to |expected|. */
  rtol: number;
}

export interface Mismatch {
  index: number;
  actual: number;
  expected: number;
  maxAbsError: number;
  count: number;
}

/** First element where |a - e| > atol + rtol * |e| (NaN never matches), with the worst error seen. */
export function findMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
): Mismatch | undefined {
  if (actual.length !== expected.length) {
    return {
      index: -1,
      actual: actual.length,
      expected: expected.length,
      maxAbsError: Number.POSITIVE_INFINITY,
      count: 1,
    };
  }
  let first = -1;
  let count = 0;
  let maxAbsError = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    const ok = err <= tol.atol + tol.rtol * Math.abs(expected[i]!);
    if (!(err <= maxAbsError)) maxAbsError = err;
    if (!ok) {
      count++;
      if (first < 0) first = i;
    }
  }
  if (first < 0) return undefined;
  return { index: first, actual: actual[first]!, expected: expected[first]!, maxAbsError, count };
}
