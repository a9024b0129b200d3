import { type KvCacheDtype, kvCachePart } from '../attention/attention.ts';
import step from '../common/step.wgsl?raw';
import { composeWgsl, type KernelSource, variantLabel } from '../compose.ts';
import rope from './rope.wgsl?raw';
import adjacent from './rope_adjacent.wgsl?raw';
import factors from './rope_factors.wgsl?raw';
import halves from './rope_halves.wgsl?raw';
import kv from './rope_kv.wgsl?raw';
import main from './rope_main.wgsl?raw';
import plain from './rope_plain.wgsl?raw';
import qOnly from './rope_q.wgsl?raw';
import qk from './rope_qk.wgsl?raw';
import sincos from './sincos.wgsl?raw';
import wide from './wide.wgsl?raw';

/** Threads per RoPE workgroup; one thread per (token, head, pair). */
export const ROPE = { workgroupSize: 64 } as const;

/**
 * Which elements of a head rotate together: llama's adjacent pairs (x[2i], x[2i+1]), or
 * qwen2/neox halves (x[i], x[i + headDim/2]).
 */
export type RopePairing = 'adjacent' | 'halves';

export interface RopeKey {
  pairing: RopePairing;
  /** Also rotate k (its own head count) in the same dispatch. */
  withK: boolean;
  /** Divide each pair's frequency by a factor from a (headDim/2) f32 buffer (GGUF rope_freqs). */
  freqFactors: boolean;
  /** Fused with the KV append: k read unrotated and written rotated into a cache of this dtype, v copied (rope_kv.wgsl). */
  kvCache?: KvCacheDtype;
}

/**
 * Bindings: 0 q (T, nHeads*headDim) f32 read_write, 1 k (T, nKvHeads*headDim) f32 read_write (withK),
 * 2 turns (headDim/2) vec2<u32> from `ropeTurns`, 3 freq factors (headDim/2) f32 (freqFactors),
 * 4 step: Step, 5 uniform {tokens, qPairs, kPairs, headDim/2, ctx}; with kvCache: 1 k read only,
 * 6 v (T, nKvHeads*headDim) f32, 7 k cache and 8 v cache (ctx, nKvHeads*headDim) in its dtype.
 * Dispatch: grid(ceil(T * (qPairs + kPairs) / ROPE.workgroupSize)).
 */
export function ropeKernel({ pairing, withK, freqFactors, kvCache }: RopeKey): KernelSource {
  const entry = kvCache ? [kvCachePart(kvCache), kv] : [withK ? qk : qOnly, main];
  return {
    label: variantLabel('rope', pairing, kvCache ? `kv_${kvCache}` : withK && 'qk', freqFactors && 'ff', 'f32'),
    code: composeWgsl({
      parts: [
        step,
        wide,
        sincos,
        pairing === 'adjacent' ? adjacent : halves,
        freqFactors ? factors : plain,
        rope,
        ...entry,
      ],
    }),
    constants: { WG: ROPE.workgroupSize },
  };
}

/**
 * The kernel's per-pair frequencies as exact fixed-point turns per position: for pair i,
 * base^(-2i/headDim) / 2π as a 64-bit binary fraction, (hi, lo) u32 words per pair. f64 gives
 * ~53 significant bits, so pos * turns drifts by < 1e-11 turns even at pos 2^24.
 */
export function ropeTurns(base: number, headDim: number): Uint32Array {
  const half = headDim / 2;
  const out = new Uint32Array(2 * half);
  for (let i = 0; i < half; i++) {
    const scaled = (base ** ((-2 * i) / headDim) / (2 * Math.PI)) * 2 ** 32; // < 2^32: turns < 1/2π per step
    const hi = Math.floor(scaled);
    out[2 * i] = hi;
    out[2 * i + 1] = Math.floor((scaled - hi) * 2 ** 32);
  }
  return out;
}
