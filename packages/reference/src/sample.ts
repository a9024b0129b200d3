/**
 * Greedy decoding and temperature / top-k / top-p sampling, as plain loops. The arithmetic is
 * the GPU sampler's own definition (kernels/sample/sampler.wgsl), so the two pick the same token
 * for every seed: probabilities are integer weights w ≈ 2^20 * exp((logit - max) / T) from an
 * exp2 table, sums and comparisons are exact integers, and u is a 24-bit hash of the seed.
 */

/** Sampler settings as the step buffer carries them (temperature and topP are read as f32). */
export interface SamplerSettings {
  temperature: number;
  /** 0 = no cut; above SAMPLER_KEEP_CAP it is clamped to it. */
  topK: number;
  /** >= 1 keeps every candidate. */
  topP: number;
  seed: number;
}

/** Most candidates kept before top-p (top_k 0 or above this is clamped to it). */
export const SAMPLER_KEEP_CAP = 1024;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

function fromBits(b: number): number {
  u32[0] = b;
  return f32[0]!;
}

/** Index of the largest logit: ties → lowest index, NaN never wins (all NaN → 0). */
export function argmax(logits: Float32Array): number {
  let best = -1;
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i]!;
    if (Number.isNaN(x)) continue;
    if (best < 0 || x > logits[best]!) best = i;
  }
  return Math.max(best, 0);
}

/** PCG hash (Jarzynski & Olano 2020), as in sampler.wgsl. */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The step's uniform draw in [0, 1), in units of 2^-24. */
export function drawQ24(seed: number): number {
  return pcgHash(seed) >>> 8;
}

/** round(2^24 * 2^(-j/256)), j = 0..256. */
export function exp2Table(): Uint32Array {
  return Uint32Array.from({ length: 257 }, (_, j) => Math.round(2 ** (24 - j / 256)));
}

const EXP2 = exp2Table();

/** Temperatures below 2^-20, negative, infinite or NaN mean greedy. */
export function samplingActive(temperature: number): boolean {
  const t = bitsOf(temperature);
  return t >= 0x35800000 && t < 0x7f800000;
}

/** log2(e) / T exactly as the kernel forms it: integer long division, then a power of two. */
export function log2eOverTemperature(temperature: number): number {
  const t = bitsOf(temperature);
  const mant = (t & 0x7fffff) | 0x800000;
  let q = Math.floor(3098164009 / mant);
  let r = 3098164009 % mant;
  for (let k = 0; k < 2; k++) {
    r *= 256;
    q = q * 256 + Math.floor(r / mant);
    r %= mant;
  }
  let e = -47 - ((t >>> 23) - 150);
  if (q >= 2 ** 24) {
    q = Math.floor(q / 2);
    e += 1;
  }
  return Math.fround(q * 2 ** e);
}

/** ±inf and |x| > 1e30 clamped to ±1e30. */
function clampedLogit(x: number): number {
  const big = fromBits(0x7149f2ca);
  return Math.max(-big, Math.min(big, x));
}

/** Integer weight of logit x given the (clamped) max m and s = log2(e) / T; 0 for NaN and -inf. */
export function samplerWeight(x: number, m: number, s: number): number {
  if (Number.isNaN(x) || x === Number.NEGATIVE_INFINITY) return 0;
  const z = Math.max(Math.fround(Math.fround(clampedLogit(x) - m) * s), -32);
  const a = -Math.trunc(z * 65536) || 0;
  const whole = a >>> 16;
  if (whole >= 21) return 0;
  const j = (a >>> 8) & 0xff;
  const t0 = EXP2[j]!;
  const t1 = EXP2[j + 1]!;
  return (t0 - (((t0 - t1) * (a & 0xff)) >>> 8)) >>> (whole + 4);
}

/** top_p as a 24-bit fraction. */
function topPQ24(topP: number): number {
  const p = Math.fround(topP);
  if (Number.isNaN(p) || p >= 1) return 2 ** 24;
  if (p <= 0) return 0;
  return Math.trunc(p * 2 ** 24);
}

export interface Sampled {
  id: number;
  /** The picked token's probability among the kept candidates (1 when greedy). */
  prob: number;
}

/**
 * Picks a token: greedy when the temperature is (near) 0; otherwise every logit gets its weight,
 * the top_k heaviest (by logit, ties → lower index) are kept, then the smallest prefix whose
 * cumulative weight reaches top_p of their total, and the token drawn is the first whose
 * cumulative weight exceeds u * (the prefix's total).
 */
export function sample(logits: Float32Array, settings: SamplerSettings): Sampled {
  const greedy = { id: argmax(logits), prob: 1 };
  const temperature = Math.fround(settings.temperature);
  if (!samplingActive(temperature)) return greedy;
  const m = clampedLogit(logits[greedy.id]!);
  const s = log2eOverTemperature(temperature);

  const candidates: { id: number; logit: number; w: number }[] = [];
  logits.forEach((logit, id) => {
    const w = samplerWeight(logit, m, s);
    if (w > 0) candidates.push({ id, logit, w });
  });
  if (candidates.length === 0) return greedy;
  candidates.sort((a, b) => (a.logit > b.logit ? -1 : a.logit < b.logit ? 1 : a.id - b.id));
  const topK = settings.topK === 0 || settings.topK > SAMPLER_KEEP_CAP ? SAMPLER_KEEP_CAP : settings.topK;
  const kept = candidates.slice(0, topK);

  const cum: bigint[] = [];
  let run = 0n;
  for (const c of kept) {
    run += BigInt(c.w);
    cum.push(run);
  }
  const p = BigInt(topPQ24(settings.topP));
  const end = cum.findIndex((c) => c << 24n >= p * run) + 1;
  const keptTotal = cum[end - 1]!;
  const u = BigInt(drawQ24(settings.seed >>> 0));
  const pick = cum.findIndex((c, i) => i < end && c << 24n > u * keptTotal);
  const chosen = kept[pick]!;
  return { id: chosen.id, prob: Math.fround(chosen.w / Number(keptTotal)) };
}
