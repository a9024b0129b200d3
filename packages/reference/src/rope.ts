export type RopePairing = 'adjacent' | 'halves';

export interface RopeShape {
  tokens: number;
  nHeads: number;
  headDim: number;
  /** Position of the first token; token t is at pos + t. */
  pos: number;
  base: number;
  pairing: RopePairing;
  /** (headDim/2): theta_i is divided by freqFactors[i] (GGUF rope_freqs). */
  freqFactors?: Float32Array;
}

/**
 * RoPE in f64: pair i of each head of token t turns by theta = (pos + t) * base^(-2i/headDim) / factor_i.
 * Pairs are (x[2i], x[2i+1]) ('adjacent', llama) or (x[i], x[i + headDim/2]) ('halves', qwen2/neox).
 * x is (tokens, nHeads*headDim); returns a rotated copy.
 */
export function rope(x: Float32Array, s: RopeShape): Float64Array {
  const half = s.headDim / 2;
  const y = Float64Array.from(x);
  for (let t = 0; t < s.tokens; t++) {
    for (let h = 0; h < s.nHeads; h++) {
      const head = (t * s.nHeads + h) * s.headDim;
      for (let i = 0; i < half; i++) {
        const theta = ((s.pos + t) * s.base ** ((-2 * i) / s.headDim)) / (s.freqFactors?.[i] ?? 1);
        const [a, b] = s.pairing === 'adjacent' ? [head + 2 * i, head + 2 * i + 1] : [head + i, head + i + half];
        const xa = x[a]!;
        const xb = x[b]!;
        y[a] = xa * Math.cos(theta) - xb * Math.sin(theta);
        y[b] = xa * Math.sin(theta) + xb * Math.cos(theta);
      }
    }
  }
  return y;
}
