/**
 * The whole transformer on the CPU, read top to bottom: the oracle the GPU
 * engine is checked against (and, through llama.cpp, checked itself).
 * Weights are dense f32 (dequantized); matrices are (rows N, row length K).
 */
import { attention, roundToF16 } from './attention.ts';
import { swiglu } from './elementwise.ts';
import { embedRows } from './embed.ts';
import { matVec } from './matvec.ts';
import { rmsNorm } from './norm.ts';
import { rope } from './rope.ts';

export interface ReferenceConfig {
  nEmbd: number;
  nFf: number;
  nLayer: number;
  nHead: number;
  nKvHead: number;
  headDim: number;
  vocab: number;
  eps: number;
  ropeBase: number;
  ropePairing: 'halves' | 'adjacent';
  /** Round cached keys and values to f16, as an f16 KV cache does. */
  kvF16?: boolean;
}

export interface ReferenceLayer {
  attnNorm: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  qBias?: Float32Array;
  kBias?: Float32Array;
  vBias?: Float32Array;
  o: Float32Array;
  ffnNorm: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

export interface ReferenceWeights {
  embed: Float32Array;
  layers: ReferenceLayer[];
  outputNorm: Float32Array;
  /** The embedding when tied. */
  output: Float32Array;
  ropeFreqs?: Float32Array;
}

/** Logits (vocab) after each of `ids`, feeding them one by one through a growing KV cache. */
export function referenceLogits(c: ReferenceConfig, w: ReferenceWeights, ids: readonly number[]): Float32Array[] {
  const kvRow = c.nKvHead * c.headDim;
  const kCache = w.layers.map(() => new Float32Array(ids.length * kvRow));
  const vCache = w.layers.map(() => new Float32Array(ids.length * kvRow));
  const out: Float32Array[] = [];
  for (let pos = 0; pos < ids.length; pos++) {
    let x = embedRows(w.embed, [ids[pos]!], c.nEmbd, c.vocab);
    for (let i = 0; i < c.nLayer; i++) {
      const l = w.layers[i]!;
      const xn = rmsNorm(x, l.attnNorm, 1, c.nEmbd, c.eps);
      const q = project(l.q, xn, c.nEmbd, l.qBias);
      const k = project(l.k, xn, c.nEmbd, l.kBias);
      const v = project(l.v, xn, c.nEmbd, l.vBias);
      const rot = {
        tokens: 1,
        headDim: c.headDim,
        pos,
        base: c.ropeBase,
        pairing: c.ropePairing,
        ...(w.ropeFreqs ? { freqFactors: w.ropeFreqs } : {}),
      };
      const qr = Float32Array.from(rope(q, { ...rot, nHeads: c.nHead }));
      const kr = Float32Array.from(rope(k, { ...rot, nHeads: c.nKvHead }));
      kCache[i]!.set(c.kvF16 ? roundToF16(kr) : kr, pos * kvRow);
      vCache[i]!.set(c.kvF16 ? roundToF16(v) : v, pos * kvRow);
      const attn = attention(qr, kCache[i]!, vCache[i]!, {
        pos,
        T: 1,
        nHead: c.nHead,
        nKvHead: c.nKvHead,
        headDim: c.headDim,
      });
      x = addInto(x, project(l.o, attn, c.nHead * c.headDim));
      const hn = rmsNorm(x, l.ffnNorm, 1, c.nEmbd, c.eps);
      const h = swiglu(project(l.gate, hn, c.nEmbd), project(l.up, hn, c.nEmbd));
      x = addInto(x, project(l.down, h, c.nFf));
    }
    const xn = rmsNorm(x, w.outputNorm, 1, c.nEmbd, c.eps);
    out.push(project(w.output, xn, c.nEmbd));
  }
  return out;
}

function project(w: Float32Array, x: Float32Array, k: number, bias?: Float32Array): Float32Array {
  const y = matVec(w, x, k, w.length / k);
  if (bias) for (let i = 0; i < y.length; i++) y[i]! += bias[i]!;
  return y;
}

function addInto(x: Float32Array, d: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) x[i]! += d[i]!;
  return x;
}
