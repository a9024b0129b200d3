/**
 * The forward pass of a decoder-only transformer (qwen2 and llama), as the list
 * of kernel launches for one step of T tokens. Built once per (session, T) and
 * replayed: per-step values (positions, sampler settings) live in the step buffer.
 *
 * qwen2 and llama share this one graph: they differ only in data the config
 * carries (q/k/v biases, RoPE pairing, frequency factors), so one top-to-bottom
 * reading serves both, as llama.cpp's graphs for the two do.
 */
import {
  argmax,
  attentionDecode,
  attentionPrefill,
  type Binding,
  type Dispatch,
  embedRows,
  type GpuContext,
  type GpuWeights,
  matMul,
  matVec,
  rmsNorm,
  ropeKv,
  type SplitOutputs,
  sample,
  swiglu,
} from '@webseek/gpu';
import type { ModelConfig } from './config.ts';
import type { KvDtype } from './memory.ts';
import type { GateUpWeights, ModelWeights, QkvWeights } from './weights.ts';

/** Activations for steps of up to `maxT` tokens; every buffer is (rows, width) f32 unless noted. */
export interface Activations {
  maxT: number;
  /** (maxT) u32 token ids of the step; the sampler writes the next id into ids[0]. */
  ids: GPUBuffer;
  /** (maxT, nEmbd) the residual stream */
  x: GPUBuffer;
  /** (maxT, nEmbd) normalized x */
  xn: GPUBuffer;
  /** (maxT, nHead*headDim) */
  q: GPUBuffer;
  /** (maxT, nKvHead*headDim) */
  k: GPUBuffer;
  v: GPUBuffer;
  /** (maxT, nHead*headDim) attention output */
  attn: GPUBuffer;
  /** (maxT, 2*nFf): [gate | up] per token when the layer stacks them, else gate in the first (maxT, nFf) */
  gate: GPUBuffer;
  /** (maxT, nFf): up, for layers that keep gate and up apart */
  up: GPUBuffer;
  h: GPUBuffer;
  /** (1, nEmbd) the last row of x, copied out after a prefill step */
  last: GPUBuffer;
  /** (1, nEmbd) */
  lastNorm: GPUBuffer;
  /** (vocab) logits of the last token */
  logits: GPUBuffer;
  /** split-K partials of decode attention, shared by all layers */
  attnScratch: GPUBuffer;
}

/** Per layer, K and V: (context, nKvHead*headDim) in kvDtype (f16 packed two per u32). */
export interface KvCache {
  context: number;
  dtype: KvDtype;
  k: GPUBuffer[];
  v: GPUBuffer[];
}

export interface StepGraph {
  tokens: number;
  /** Embedding and every block. */
  body: Dispatch[];
  /** Final norm, output projection and the sampler, reading `headInput`. */
  greedyHead: Dispatch[];
  sampleHead: Dispatch[];
  /** The heads in parts, for passes that go between logits and the pick (penalties): logitsHead + greedyPick = greedyHead. */
  logitsHead: Dispatch[];
  greedyPick: Dispatch[];
  samplePick: Dispatch[];
  /** Where the head reads the last token's residual: x itself when T = 1, else `last` after a copy. */
  copyLastRow: boolean;
}

/** A projection's input after an RMSNorm: the norm's launch and xn, or (decoding) x with the norm folded in. */
interface NormedInput {
  launches: Dispatch[];
  x: Binding;
  xNorm?: { weight: GPUBuffer; eps: number };
}

type ProjectExtra = { bias?: Binding; accumulate?: boolean; split?: SplitOutputs };

export interface GraphInputs {
  ctx: GpuContext;
  config: ModelConfig;
  weights: ModelWeights;
  acts: Activations;
  kv: KvCache;
  /** The session's StepBuffer.buffer. */
  step: GPUBuffer;
  /** Fold each RMSNorm into the decode matvecs after it (SessionShape.foldNorms). */
  foldNorms?: boolean;
}

export async function buildStepGraph(g: GraphInputs, T: number): Promise<StepGraph> {
  const { ctx, config: c, weights: w, acts: a, kv } = g;
  const shape = { nHead: c.nHead, nKvHead: c.nKvHead, headDim: c.headDim, ctx: kv.context, cacheDtype: kv.dtype };
  const project = (weights: GpuWeights, x: Binding, y: Binding, extra: ProjectExtra = {}) =>
    T === 1 ? matVec(ctx, { w: weights, x, y, ...extra }) : matMul(ctx, { w: weights, x, y, m: T, ...extra });
  // Decoding with foldNorms, a projection after an RMSNorm applies the norm as it loads x (matvec
  // xNorm): no norm launch and no xn in between. Prefill normalizes once into xn for the matmuls.
  const foldNorm = g.foldNorms === true && T === 1 && c.nEmbd % 8 === 0;
  const normed = async (weight: GPUBuffer): Promise<NormedInput> =>
    foldNorm
      ? { launches: [], x: a.x, xNorm: { weight, eps: c.eps } }
      : { launches: [await rmsNorm(ctx, { x: a.x, weight, y: a.xn, rows: T, dim: c.nEmbd, eps: c.eps })], x: a.xn };
  const projectNormed = (weights: GpuWeights, input: NormedInput, y: Binding, extra: ProjectExtra = {}) =>
    input.xNorm
      ? matVec(ctx, { w: weights, x: input.x, xNorm: input.xNorm, y, ...extra })
      : project(weights, input.x, y, extra);
  const qWidth = c.nHead * c.headDim;
  const kvWidth = c.nKvHead * c.headDim;
  const widths = { q: qWidth, k: kvWidth, v: kvWidth };
  // One launch per group; a stacked group's result is split over its outputs.
  const projectQkv = async (qkv: QkvWeights, input: NormedInput): Promise<Dispatch[]> => {
    const out: Dispatch[] = [...input.launches];
    for (const { outputs, w: weights, bias } of qkv) {
      const [first, second, third] = outputs.map((o) => a[o]);
      const cut = widths[outputs[0]!];
      const split =
        second === undefined
          ? {}
          : { split: { at: [cut, cut + widths[outputs[1]!]] as const, y1: second, ...(third ? { y2: third } : {}) } };
      out.push(await projectNormed(weights, input, first!, { ...(bias ? { bias } : {}), ...split }));
    }
    return out;
  };
  // x += down(silu(gate) * up). Stacked, one launch writes [gate | up] per token, as the fused
  // SwiGLU reads it; decoding, the down matvec applies SwiGLU as it loads that row itself.
  const feedForward = async (gateUp: GateUpWeights, down: GpuWeights, input: NormedInput): Promise<Dispatch[]> => {
    if (!('stacked' in gateUp)) {
      return [
        ...input.launches,
        await projectNormed(gateUp.gate, input, a.gate),
        await projectNormed(gateUp.up, input, a.up),
        await swiglu(ctx, { gate: a.gate, up: a.up, y: a.h, rows: T, ffn: c.nFf }),
        await project(down, a.h, a.x, { accumulate: true }),
      ];
    }
    const gateUpRows = [...input.launches, await projectNormed(gateUp.stacked, input, a.gate)];
    if (T === 1 && down.k % 8 === 0) {
      return [...gateUpRows, await matVec(ctx, { w: down, x: a.gate, xSwiglu: true, y: a.x, accumulate: true })];
    }
    return [
      ...gateUpRows,
      await swiglu(ctx, { gateUp: a.gate, y: a.h, rows: T, ffn: c.nFf }),
      await project(down, a.h, a.x, { accumulate: true }),
    ];
  };

  const body: Dispatch[] = [await embedRows(ctx, { w: w.embed, ids: a.ids, y: a.x, count: T })];
  for (let i = 0; i < c.nLayer; i++) {
    const l = w.layers[i]!;
    body.push(
      ...(await projectQkv(l.qkv, await normed(l.attnNorm))),
      // RoPE and the KV append in one launch: k lands rotated in the cache, v beside it.
      await ropeKv(ctx, {
        q: a.q,
        k: a.k,
        v: a.v,
        kCache: kv.k[i]!,
        vCache: kv.v[i]!,
        ctx: kv.context,
        cacheDtype: kv.dtype,
        step: g.step,
        tokens: T,
        nHeads: c.nHead,
        nKvHeads: c.nKvHead,
        headDim: c.headDim,
        base: c.ropeBase,
        pairing: c.ropePairing,
        ...(w.ropeFreqs ? { freqFactors: w.ropeFreqs } : {}),
      }),
      ...(T === 1
        ? await attentionDecode(ctx, {
            ...shape,
            q: a.q,
            kCache: kv.k[i]!,
            vCache: kv.v[i]!,
            out: a.attn,
            step: g.step,
            scratch: a.attnScratch,
          })
        : [
            await attentionPrefill(ctx, {
              ...shape,
              q: a.q,
              kCache: kv.k[i]!,
              vCache: kv.v[i]!,
              out: a.attn,
              step: g.step,
              tokens: T,
            }),
          ]),
      await project(l.o, a.attn, a.x, { accumulate: true }),
      ...(await feedForward(l.gateUp, l.down, await normed(l.ffnNorm))),
    );
  }

  const headInput = T === 1 ? a.x : a.last;
  const logitsHead = [
    await rmsNorm(ctx, { x: headInput, weight: w.outputNorm, y: a.lastNorm, rows: 1, dim: c.nEmbd, eps: c.eps }),
    await matVec(ctx, { w: w.output, x: a.lastNorm, y: a.logits }),
  ];
  const nextId = { buffer: a.ids, offset: 0, size: 4 };
  const greedyPick = await argmax(ctx, { logits: a.logits, out: nextId, vocab: c.vocab });
  const samplePick = await sample(ctx, { logits: a.logits, out: nextId, vocab: c.vocab, step: g.step });
  return {
    tokens: T,
    body,
    greedyHead: [...logitsHead, ...greedyPick],
    sampleHead: [...logitsHead, ...samplePick],
    logitsHead,
    greedyPick,
    samplePick,
    copyLastRow: T > 1,
  };
}
