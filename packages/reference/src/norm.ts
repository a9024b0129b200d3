/** y[r, i] = x[r, i] * w[i] / sqrt(mean(x[r]^2) + eps); x is (rows, dim). */
export function rmsNorm(x: Float32Array, weight: Float32Array, rows: number, dim: number, eps: number): Float32Array {
  const y = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let sumSq = 0;
    for (let i = 0; i < dim; i++) sumSq += x[r * dim + i]! ** 2;
    const scale = 1 / Math.sqrt(sumSq / dim + eps);
    for (let i = 0; i < dim; i++) y[r * dim + i] = x[r * dim + i]! * scale * weight[i]!;
  }
  return y;
}
