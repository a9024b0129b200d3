/**
 * The browser smoke cases: one small, odd-shaped launch per op (and per
 * variant), run on the GPU in a Web Worker and compared with the CPU reference
 * under the bound the op's Node test states. Adding an op is one builder and
 * one line in CASES. Shapes stay tiny: on SwiftShader a case costs mostly its
 * pipeline compile, plus a few Chrome round trips (~2 ms each).
 */
import {
  add,
  argmax,
  attentionDecode,
  embedRows,
  type KvCacheDtype,
  kvWrite,
  llama3RopeFactors,
  matMul,
  matVec,
  rmsNorm,
  rope,
  sample,
  swiglu,
  uploadWeights,
} from '@webseek/gpu';
import { type Precision, type WeightType, weightFormat } from '@webseek/kernels';
import * as ref from '@webseek/reference';
import type { Scratch } from './scratch.ts';

/**
 * Per-element bound on |actual - expected|: atol + rtol·|expected|, or, for
 * dot products, ofSum·Σ|terms| + atol (the sum's own scale, so cancellation
 * does not make the bound meaningless; the case returns Σ|terms| as `scale`).
 */
export type Bound = ref.Tolerance | { ofSum: number; atol?: number };

export interface Outcome {
  actual: ArrayLike<number>;
  expected: ArrayLike<number>;
  /** Σ|terms| per element, for an `ofSum` bound. */
  scale?: ArrayLike<number>;
}

export interface SmokeCase {
  name: string;
  /** A device feature the case needs; without it the case is reported as skipped. */
  needs?: 'subgroups' | 'shaderF16';
  /** The bound the op's Node test uses (test/kernels/<op>.test.ts). */
  bound: Bound;
  /** Prepares the op's dispatches, runs them, reads back; returns the result next to the CPU reference. */
  run(s: Scratch): Promise<Outcome>;
}

const variant = (subgroups: boolean) => (subgroups ? 'subgroup' : 'plain');
const needsSubgroups = (subgroups: boolean) => (subgroups ? ({ needs: 'subgroups' } as const) : {});

/** Random GGUF bytes of `type`, on the GPU in its decoder's layout, and dequantized on the CPU. */
async function randomWeights(s: Scratch, type: WeightType, k: number, n: number, seed: number) {
  const raw = ref.randomGgufTensor(type, k, n, seed);
  const gpu = await uploadWeights(s.ctx, `w_${type}_${n}x${k}`, weightFormat(type).repack(raw, k, n));
  s.keep(gpu.q);
  if (gpu.s) s.keep(gpu.s);
  return { gpu, dense: ref.dequantizeMatrix(type, raw, k, n) };
}

// --- norm (test/kernels/norm.test.ts: f32 sums over a few thousand terms in another order)

function rmsNormCase(subgroups: boolean, rows: number, dim: number): SmokeCase {
  return {
    name: `rmsNorm ${variant(subgroups)} rows=${rows} dim=${dim}`,
    ...needsSubgroups(subgroups),
    bound: { atol: 1e-5, rtol: 1e-5 },
    async run(s) {
      const eps = 1e-6;
      const x = ref.uniform(rows * dim, 1, -3, 3);
      const w = ref.uniform(dim, 2, 0.5, 1.5);
      const y = await s.output('y', rows * dim * 4);
      const [xBuf, wBuf] = [await s.upload('x', x), await s.upload('w', w)];
      await s.run(await rmsNorm(s.ctx, { x: xBuf, weight: wBuf, y: y.binding, rows, dim, eps, subgroups }));
      return { actual: await y.readF32(), expected: ref.rmsNorm(x, w, rows, dim, eps) };
    },
  };
}

// --- matVec (test/kernels/matvec.test.ts: per row 1e-6·(Σ|w·x| + 2) + 1e-7, the 2 for |bias|, |y0| ≤ 1;
// f16 arithmetic rounds weights, x and chunk sums to 11 bits: 4e-3 instead of 1e-6)

interface MatVecVariant {
  subgroups: boolean;
  epilogue: 'bias' | 'accumulate';
  /** f16 needs shader-f16 (and runs plain here, so the case needs only that). */
  precision?: Precision;
}

function matVecCase(type: WeightType, k: number, n: number, v: MatVecVariant): SmokeCase {
  const f16 = v.precision === 'f16';
  const rel = f16 ? 4e-3 : 1e-6;
  return {
    name: `matVec ${type} ${f16 ? 'f16-arithmetic' : variant(v.subgroups)} K=${k} N=${n} ${v.epilogue}`,
    ...(f16 ? { needs: 'shaderF16' } : needsSubgroups(v.subgroups)),
    bound: { ofSum: rel, atol: 2 * rel + 1e-7 },
    async run(s) {
      const w = await randomWeights(s, type, k, n, k + 7 * n);
      const x = ref.uniform(k, 11, -1, 1);
      const extra = ref.uniform(n, 12, -1, 1); // the bias, or y's value before y += Wx
      const y = await s.output('y', n * 4, v.epilogue === 'accumulate' ? extra : undefined);
      const xBuf = await s.upload('x', x);
      const epi = v.epilogue === 'bias' ? { bias: await s.upload('bias', extra) } : { accumulate: true };
      const args = { w: w.gpu, x: xBuf, y: y.binding, subgroups: v.subgroups && !f16, precision: v.precision };
      await s.run(await matVec(s.ctx, { ...args, ...epi }));
      const expected = ref.matVec(w.dense, x, k, n).map((y0, i) => y0 + extra[i]!);
      return { actual: await y.readF32(), expected, scale: ref.matVecAbs(w.dense, x, k, n) };
    },
  };
}

// --- embedRows (test/kernels/embed.test.ts: a gather through the f32 decoders is bit-exact)

function embedCase(type: WeightType, k: number): SmokeCase {
  const n = 11;
  const ids = new Uint32Array([3, 0, 10, 3, 11, 0xffffffff, 7]); // repeats, first/last row, ids ≥ n give zeros
  return {
    name: `embedRows ${type} K=${k} N=${n} ids=${ids.length}`,
    bound: { atol: 0, rtol: 0 },
    async run(s) {
      const w = await randomWeights(s, type, k, n, 3 * k);
      const y = await s.output('y', ids.length * k * 4);
      const idsBuf = await s.upload('ids', ids);
      await s.run(await embedRows(s.ctx, { w: w.gpu, ids: idsBuf, y: y.binding, count: ids.length }));
      return { actual: await y.readF32(), expected: ref.embedRows(w.dense, ids, k, n) };
    },
  };
}

// --- matMul (test/kernels/matmul.test.ts: f32 accumulation of K ≤ 512 terms, 4e-6·Σ|x·w|)

function matMulCase(type: WeightType, m: number, k: number, n: number): SmokeCase {
  return {
    name: `matMul ${type} M=${m} K=${k} N=${n} bias`,
    bound: { ofSum: 4e-6 },
    async run(s) {
      const w = await randomWeights(s, type, k, n, 7 * m + n);
      const x = ref.uniform(m * k, 3 * m + k, -2, 2);
      const bias = ref.uniform(n, 5, -1, 1);
      const y = await s.output('y', m * n * 4);
      const [xBuf, biasBuf] = [await s.upload('x', x), await s.upload('bias', bias)];
      await s.run(await matMul(s.ctx, { w: w.gpu, x: xBuf, y: y.binding, m, bias: biasBuf }));
      const expected = ref.matMul(x, w.dense, m, k, n).map((v, i) => v + bias[i % n]!);
      return { actual: await y.readF32(), expected, scale: ref.matMulAbs(x, w.dense, m, k, n) };
    },
  };
}

// --- attention (test/kernels/attention.test.ts: 1e-5 + 1e-4 relative; an f16 cache is
// compared against a reference fed the same f16-rounded k/v)

/** kvWrite of token `pos`'s k/v after `pos` random cache rows, then split-K decode over pos + 1 keys. */
function attentionDecodeCase(cacheDtype: KvCacheDtype, subgroups: boolean, pos: number): SmokeCase {
  const h = { nHead: 6, nKvHead: 2, headDim: 72 }; // GQA 3:1, a head dim that is not a power of two
  return {
    name: `kvWrite+attentionDecode ${cacheDtype} cache ${variant(subgroups)} ${h.nHead}q/${h.nKvHead}kv hd${h.headDim} kv_len=${pos + 1}`,
    ...needsSubgroups(subgroups),
    bound: { atol: 1e-5, rtol: 1e-4 },
    async run(s) {
      const ctxRows = pos + 5;
      const [qRow, kvRow] = [h.nHead * h.headDim, h.nKvHead * h.headDim];
      const prior = ref.uniform(pos * kvRow, 7, -1, 1);
      const [q, k, v] = [qRow, kvRow, kvRow].map((n, i) => ref.uniform(n, 20 + i, -1, 1)) as [
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      const store = (x: Float32Array) => (cacheDtype === 'f16' ? ref.packF16Pairs(x) : x);
      const seen = (x: Float32Array) => (cacheDtype === 'f16' ? ref.roundToF16(x) : x);
      const cacheBytes = ctxRows * kvRow * (cacheDtype === 'f16' ? 2 : 4);
      const kCache = await s.output('k_cache', cacheBytes, store(prior));
      const vCache = await s.output('v_cache', cacheBytes, store(prior));
      const out = await s.output('out', qRow * 4);
      const step = s.step({ pos, tokens: 1 });
      const shape = { ...h, ctx: ctxRows, cacheDtype, kCache: kCache.binding, vCache: vCache.binding, step };
      const [qBuf, kBuf, vBuf] = [await s.upload('q', q), await s.upload('k', k), await s.upload('v', v)];
      const write = await kvWrite(s.ctx, { ...shape, k: kBuf, v: vBuf, tokens: 1 });
      await s.run(write, ...(await attentionDecode(s.ctx, { ...shape, q: qBuf, out: out.binding, subgroups })));
      const [kSeen, vSeen] = [new Float32Array(ctxRows * kvRow), new Float32Array(ctxRows * kvRow)];
      kSeen.set(seen(prior));
      vSeen.set(seen(prior));
      kSeen.set(seen(k), pos * kvRow);
      vSeen.set(seen(v), pos * kvRow);
      return { actual: await out.readF32(), expected: ref.attention(q, kSeen, vSeen, { pos, T: 1, ...h }) };
    },
  };
}

// --- rope (test/kernels/rope.test.ts: 5e-7 absolute for |x| ≤ 1, twice that for |x| ≤ 2)

/** q and k rotated by one dispatch at a large position; llama pairs with Llama 3 frequency factors. */
function ropeCase(pairing: ref.RopePairing, pos: number): SmokeCase {
  const [nHeads, nKvHeads, headDim, tokens] = [6, 2, 64, 5];
  const llama = pairing === 'adjacent';
  const base = llama ? 500000 : 1000000;
  const scaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };
  return {
    name: `rope ${pairing}${llama ? ' llama3-factors' : ''} q+k ${nHeads}q/${nKvHeads}kv hd${headDim} T=${tokens} pos=${pos}`,
    bound: { atol: 1e-6, rtol: 0 },
    async run(s) {
      const xq = ref.uniform(tokens * nHeads * headDim, 11, -2, 2);
      const xk = ref.uniform(tokens * nKvHeads * headDim, 12, -2, 2);
      const freqFactors = llama ? llama3RopeFactors({ ...scaling, base, headDim }) : undefined;
      const [q, k] = [await s.output('q', xq.byteLength, xq), await s.output('k', xk.byteLength, xk)];
      const step = s.step({ pos, tokens });
      const args = { step, tokens, nHeads, nKvHeads, headDim, base, pairing };
      const ff = freqFactors ? { freqFactors: await s.upload('freq_factors', freqFactors) } : {};
      await s.run(await rope(s.ctx, { ...args, ...ff, q: q.binding, k: k.binding }));
      const shape = { tokens, headDim, pos, base, pairing, ...(freqFactors ? { freqFactors } : {}) };
      const expected = [...ref.rope(xq, { ...shape, nHeads }), ...ref.rope(xk, { ...shape, nHeads: nKvHeads })];
      return { actual: [...(await q.readF32()), ...(await k.readF32())], expected };
    },
  };
}

// --- elementwise (test/kernels/elementwise.test.ts: silu via exp to ~1e-6 relative; one
// correctly rounded f32 add is within half an ulp)

/** Fused [gate | up] rows of odd length (scalar path), or split inputs of a multiple of 4 (vec4 path). */
function swigluCase(fused: boolean, rows: number, ffn: number): SmokeCase {
  return {
    name: `swiglu ${fused ? 'fused' : 'split'} rows=${rows} ffn=${ffn}`,
    bound: { atol: 1e-6, rtol: 4e-6 },
    async run(s) {
      const gateUp = ref.uniform(rows * 2 * ffn, 3, -12, 12);
      const [gate, up] = ref.splitGateUp(gateUp, rows, ffn);
      const y = await s.output('y', rows * ffn * 4);
      const inputs = fused
        ? { gateUp: await s.upload('gate_up', gateUp) }
        : { gate: await s.upload('gate', gate), up: await s.upload('up', up) };
      await s.run(await swiglu(s.ctx, { ...inputs, y: y.binding, rows, ffn }));
      return { actual: await y.readF32(), expected: ref.swiglu(gate, up) };
    },
  };
}

/** The residual add in place, a += b. */
function addCase(n: number): SmokeCase {
  return {
    name: `add in place n=${n}`,
    bound: { atol: 0, rtol: 6e-8 },
    async run(s) {
      const [a, b] = [ref.uniform(n, 6, -5, 5), ref.uniform(n, 7, -5, 5)];
      const x = await s.output('x', n * 4, a);
      await s.run(await add(s.ctx, { a: x.binding, b: await s.upload('b', b), n }));
      return { actual: await x.readF32(), expected: ref.add(a, b) };
    },
  };
}

// --- argmax / sample (test/kernels/sample.test.ts: ids exact; sample's probability to 6 decimals)

/** Logits with a few planted peaks, like an LM head's. */
function lmLogits(vocab: number, seed: number): Float32Array {
  const next = ref.rng(seed);
  const x = Float32Array.from({ length: vocab }, () => 3 * (next() + next() + next() - 1.5));
  for (let i = 0; i < 8; i++) x[Math.floor(next() * vocab)] = 6 + 4 * next();
  return x;
}

function argmaxCase(subgroups: boolean, vocab: number): SmokeCase {
  return {
    name: `argmax ${variant(subgroups)} vocab=${vocab}`,
    ...needsSubgroups(subgroups),
    bound: { atol: 0, rtol: 0 },
    async run(s) {
      const logits = lmLogits(vocab, 1);
      const out = await s.output('out', 8);
      const args = { logits: await s.upload('logits', logits), out: out.binding, vocab, subgroups };
      await s.run(...(await argmax(s.ctx, args)));
      const words = await out.read();
      return { actual: [new Uint32Array(words)[0]!, new Float32Array(words)[1]!], expected: [ref.argmax(logits), 1] };
    },
  };
}

/** One prepared sampler replayed for several seeds: only the step buffer changes. Output [id, prob] per seed. */
function sampleCase(subgroups: boolean, vocab: number, seeds: number): SmokeCase {
  const settings = { temperature: 0.7, topK: 40, topP: 0.9 };
  return {
    name: `sample ${variant(subgroups)} vocab=${vocab} T=0.7 top_k=40 top_p=0.9 x${seeds} seeds`,
    ...needsSubgroups(subgroups),
    bound: { atol: 5e-7, rtol: 0 },
    async run(s) {
      const logits = lmLogits(vocab, 11);
      const out = await s.output('out', 8);
      const step = s.step({ pos: 0, tokens: 1 });
      const args = { logits: await s.upload('logits', logits), out: out.binding, vocab, subgroups, step };
      const dispatches = await sample(s.ctx, args);
      const actual: number[] = [];
      const expected: number[] = [];
      for (let i = 0; i < seeds; i++) {
        const seed = i * 7919 + 13;
        s.step({ pos: 0, tokens: 1, ...settings, seed });
        await s.run(...dispatches);
        const words = await out.read();
        actual.push(new Uint32Array(words)[0]!, new Float32Array(words)[1]!);
        const want = ref.sample(logits, { ...settings, seed });
        expected.push(want.id, want.prob);
      }
      return { actual, expected };
    },
  };
}

export const CASES: readonly SmokeCase[] = [
  rmsNormCase(false, 3, 1537),
  rmsNormCase(true, 3, 1537),
  matVecCase('q4_0', 96, 37, { subgroups: false, epilogue: 'bias' }),
  matVecCase('q4_0', 96, 37, { subgroups: true, epilogue: 'bias' }),
  matVecCase('q4_k', 768, 19, { subgroups: false, epilogue: 'accumulate' }),
  matVecCase('q4_k', 768, 19, { subgroups: true, epilogue: 'accumulate' }),
  matVecCase('q4_k', 768, 19, { subgroups: false, epilogue: 'bias', precision: 'f16' }),
  matVecCase('q6_k', 256, 13, { subgroups: true, epilogue: 'bias' }),
  matVecCase('q8_0', 96, 37, { subgroups: true, epilogue: 'bias' }),
  matVecCase('f16', 1000, 33, { subgroups: true, epilogue: 'accumulate' }),
  embedCase('q4_k', 256),
  embedCase('f16', 77),
  matMulCase('f32', 7, 37, 19),
  matMulCase('q4_k', 5, 256, 37),
  attentionDecodeCase('f16', true, 130),
  attentionDecodeCase('f32', false, 130),
  ropeCase('halves', 4093),
  ropeCase('adjacent', 131071),
  swigluCase(true, 3, 37),
  swigluCase(false, 2, 100),
  addCase(1003),
  argmaxCase(false, 5001),
  argmaxCase(true, 5001),
  sampleCase(true, 1000, 8),
];
