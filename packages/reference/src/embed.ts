/** y[t, :] = w[ids[t], :] for each token; w is (n, k) row-major. Ids ≥ n give rows of zeros. */
export function embedRows(w: Float32Array, ids: ArrayLike<number>, k: number, n: number): Float32Array {
  const y = new Float32Array(ids.length * k);
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t]!;
    if (id < n) y.set(w.subarray(id * k, (id + 1) * k), t * k);
  }
  return y;
}
