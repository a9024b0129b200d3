/**
 * y[i, j] = Σ_p x[i, p] · w[j, p]: x is (m, k), w is (n, k) dense f32 (dequantized),
 * y is (m, n). Sums in float64, so it is the exact product of the inputs given.
 */
export function matMul(x: Float32Array, w: Float32Array, m: number, k: number, n: number): Float32Array {
  const y = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += x[i * k + p]! * w[j * k + p]!;
      y[i * n + j] = sum;
    }
  }
  return y;
}

/** Σ_p |x[i, p] · w[j, p]| for each (i, j): the scale a rounding-error bound is relative to. */
export function matMulAbs(x: Float32Array, w: Float32Array, m: number, k: number, n: number): Float32Array {
  const y = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += Math.abs(x[i * k + p]! * w[j * k + p]!);
      y[i * n + j] = sum;
    }
  }
  return y;
}
