/** silu(x) = x * sigmoid(x), in f64. */
export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** y[i] = silu(gate[i]) * up[i] over (rows, ffn). */
export function swiglu(gate: Float32Array, up: Float32Array): Float32Array {
  return gate.map((g, i) => silu(g) * up[i]!);
}

/** Splits a (rows, 2*ffn) [gate | up] buffer into its two (rows, ffn) halves. */
export function splitGateUp(gateUp: Float32Array, rows: number, ffn: number): [Float32Array, Float32Array] {
  const gate = new Float32Array(rows * ffn);
  const up = new Float32Array(rows * ffn);
  for (let r = 0; r < rows; r++) {
    gate.set(gateUp.subarray(2 * r * ffn, (2 * r + 1) * ffn), r * ffn);
    up.set(gateUp.subarray((2 * r + 1) * ffn, (2 * r + 2) * ffn), r * ffn);
  }
  return [gate, up];
}

/** y[i] = a[i] + b[i]. */
export function add(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((v, i) => v + b[i]!);
}
