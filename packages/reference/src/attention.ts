import { f16ToF32, f32ToF16 } from '@webseek/formats';

export interface AttentionShape {
  /** Position of the first query; query t sits at pos + t. */
  pos: number;
  /** Queries (tokens of the step). */
  T: number;
  nHead: number;
  /** Divides nHead: q head h reads kv head floor(h / (nHead / nKvHead)). */
  nKvHead: number;
  headDim: number;
  /** Defaults to 1 / sqrt(headDim). */
  scale?: number;
}

/**
 * Causal softmax attention, in f64. q: (T, nHead*headDim); kCache, vCache: (≥ pos+T, nKvHead*headDim),
 * rows 0 .. pos+T-1 filled. Query t (position pos + t) attends to keys 0 ..= pos + t.
 * Returns (T, nHead*headDim).
 */
export function attention(
  q: Float32Array,
  kCache: Float32Array,
  vCache: Float32Array,
  s: AttentionShape,
): Float32Array {
  const { pos, T, nHead, nKvHead, headDim: d } = s;
  const scale = s.scale ?? 1 / Math.sqrt(d);
  const group = nHead / nKvHead;
  const kvRow = nKvHead * d;
  const out = new Float32Array(T * nHead * d);
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < nHead; h++) {
      const qOff = (t * nHead + h) * d;
      const kvOff = Math.floor(h / group) * d;
      const keys = pos + t + 1;
      const scores = new Float64Array(keys);
      for (let j = 0; j < keys; j++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[qOff + i]! * kCache[j * kvRow + kvOff + i]!;
        scores[j] = dot * scale;
      }
      const weights = softmax(scores);
      for (let i = 0; i < d; i++) {
        let sum = 0;
        for (let j = 0; j < keys; j++) sum += weights[j]! * vCache[j * kvRow + kvOff + i]!;
        out[qOff + i] = sum;
      }
    }
  }
  return out;
}

function softmax(x: Float64Array): Float64Array {
  const max = Math.max(...x);
  const e = x.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Each value rounded to the nearest f16 (ties to even): what an f16 KV cache holds. */
export function roundToF16(x: Float32Array): Float32Array {
  return x.map((v) => f16ToF32(f32ToF16(v)));
}

/** Values as an f16 cache stores them: pairs packed per u32, the even element in the low half (`pack2x16float`). */
export function packF16Pairs(x: Float32Array): Uint32Array {
  const out = new Uint32Array(Math.ceil(x.length / 2));
  for (let i = 0; i < out.length; i++) {
    out[i] = (f32ToF16(x[2 * i]!) | (f32ToF16(x[2 * i + 1] ?? 0) << 16)) >>> 0;
  }
  return out;
}
