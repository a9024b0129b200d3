import type { Bound, Outcome } from './cases.ts';

export interface Verdict {
  /** Largest |actual - expected|; NaN if any element is NaN, so it cannot look small. */
  maxAbsError: number;
  /** Why the outcome is outside the bound; absent when it is inside. */
  failure?: string;
}

/** Checks every element of `out` against `bound` and names the first one outside it. */
export function judge(out: Outcome, bound: Bound): Verdict {
  const { actual, expected, scale } = out;
  if (actual.length !== expected.length) {
    return { maxAbsError: Number.NaN, failure: `output has ${actual.length} values, the reference ${expected.length}` };
  }
  if ('ofSum' in bound && scale?.length !== expected.length) {
    return { maxAbsError: Number.NaN, failure: 'an ofSum bound needs Σ|terms| (scale) for every element' };
  }
  const limit = (i: number) =>
    'ofSum' in bound ? bound.ofSum * scale![i]! + (bound.atol ?? 0) : bound.atol + bound.rtol * Math.abs(expected[i]!);
  let maxAbsError = 0;
  let count = 0;
  let first = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    if (!(err <= maxAbsError)) maxAbsError = err;
    if (!(err <= limit(i)) && count++ === 0) first = i;
  }
  if (count === 0) return { maxAbsError };
  const what =
    'ofSum' in bound ? `${bound.ofSum}·Σ|terms| + ${bound.atol ?? 0}` : `atol=${bound.atol} rtol=${bound.rtol}`;
  return {
    maxAbsError,
    failure:
      `${count} of ${expected.length} outside ${what}; first at [${first}] ` +
      `got ${actual[first]} want ${expected[first]} (bound ${limit(first).toExponential(2)})`,
  };
}
