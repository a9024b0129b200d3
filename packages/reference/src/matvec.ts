/** y[r] = Σ_i w[r, i] · x[i]; w is (n, k) row-major. Sums in f64. */
export function matVec(w: Float32Array, x: Float32Array, k: number, n: number): Float32Array {
  const y = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let sum = 0;
    for (let i = 0; i < k; i++) sum += w[r * k + i]! * x[i]!;
    y[r] = sum;
  }
  return y;
}

/** Σ_i |w[r, i] · x[i]| per row: the scale rounding errors of a dot product grow with. */
export function matVecAbs(w: Float32Array, x: Float32Array, k: number, n: number): Float32Array {
  const y = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let sum = 0;
    for (let i = 0; i < k; i++) sum += Math.abs(w[r * k + i]! * x[i]!);
    y[r] = sum;
  }
  return y;
}
