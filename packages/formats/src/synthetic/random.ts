/**
 * Counter-based pseudo-random weights: value i of a tensor is a pure function
 * of (seed, tensor name, i), so any row range can be made alone — by a worker,
 * in any order — and still give the bytes the whole tensor would have.
 */

/** murmur3's 32-bit finalizer: a bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The stream key of one tensor: FNV-1a of its name, mixed with the seed. */
export function tensorKey(seed: number, name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return fmix32(h ^ fmix32(seed >>> 0) ^ Math.floor(seed / 2 ** 32));
}

// Irwin–Hall with four 16-bit uniforms: mean 2·65535, variance 4·(65536²−1)/12.
const IH_MEAN = 2 * 65535;
const IH_INV_STD = 1 / Math.sqrt((4 * (65536 * 65536 - 1)) / 12);

/**
 * Fills `out` with approximately N(mean, std²) values (a 4-term Irwin–Hall sum,
 * bounded at ±3.46 σ) for value indices first, first+1, …; `key` from tensorKey.
 */
export function fillGaussian(out: Float32Array, key: number, first: number, mean: number, std: number): void {
  const hi = fmix32(key ^ 0x9e3779b9);
  for (let j = 0; j < out.length; j++) {
    const i = first + j;
    // Two independent words per value; indices ≥ 2^32 fold their high part into the key.
    const lo = (i >>> 0) ^ Math.imul(Math.floor(i / 2 ** 32), 0x27d4eb2d);
    const a = fmix32(lo ^ key);
    const b = fmix32(Math.imul(lo, 0x9e3779b1) ^ hi);
    const sum = (a & 0xffff) + (a >>> 16) + (b & 0xffff) + (b >>> 16);
    out[j] = mean + std * (sum - IH_MEAN) * IH_INV_STD;
  }
}
