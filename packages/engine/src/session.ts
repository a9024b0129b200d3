import { RuntimeError } from '@webseek/api';
import {
  attentionDecodeScratchBytes,
  disposeDispatch,
  encodeDispatches,
  type GpuContext,
  MapMode,
  StepBuffer,
  Usage,
} from '@webseek/gpu';
import type { ModelConfig } from './config.ts';
import { type Activations, buildStepGraph, type KvCache, type StepGraph } from './graph.ts';
import type { SessionShape } from './memory.ts';
import { type PenaltySettings, PenaltyState, penaltiesActive } from './penalties.ts';
import type { ModelWeights } from './weights.ts';

export interface GenerateOptions extends PenaltySettings {
  maxTokens: number;
  /** 0 (default) is greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  /** Token ids that end generation (the model's end-of-generation ids, unless ignoreEos). */
  stopIds?: readonly number[];
  /** Teacher forcing: these ids are fed as the continuation instead of sampled ones. */
  forceIds?: readonly number[];
  /** Also return the top-K [id, logit] of each step's distribution (reads the logits back: a debugging path). */
  topLogits?: number;
  signal?: AbortSignal;
}

export interface GeneratedToken {
  id: number;
  /** Top-K [id, logit] of the distribution this token was chosen from (with topLogits). */
  top?: [number, number][];
}

/** A submitted step: the id its sampler picks, once read back (0 for steps without a head). */
interface Pending {
  id: Promise<number>;
}

export interface StepCounters {
  submits: number;
  /** One-token steps submitted (decode); with pipelining one may be in flight past the last token read. */
  decodeSteps: number;
  dispatches: number;
  readbackBytes: number;
  /** CPU milliseconds spent encoding and submitting, outside waiting on the GPU. */
  jsMs: number;
}

/**
 * One conversation's state on the device: KV cache, activations and the
 * prepared step graphs. Positions advance as tokens are fed; `reset()` starts over.
 */
export class Session {
  /** Tokens whose keys and values are in the cache. */
  position = 0;
  readonly counters: StepCounters = { submits: 0, decodeSteps: 0, dispatches: 0, readbackBytes: 0, jsMs: 0 };
  private readonly graphs = new Map<number, Promise<StepGraph>>();
  private readonly stepBuffer: StepBuffer;
  /** Two, alternating: one step's id can be in flight while the next step copies its own. */
  private readonly readbacks: GPUBuffer[];
  private readbackTurn = 0;
  private readonly logitsReadback: GPUBuffer;
  /** Made on the first request with presence/frequency penalties. */
  private penalties: PenaltyState | undefined;

  constructor(
    private readonly ctx: GpuContext,
    readonly config: ModelConfig,
    private readonly weights: ModelWeights,
    readonly shape: SessionShape,
    private readonly acts: Activations,
    private readonly kv: KvCache,
  ) {
    this.stepBuffer = new StepBuffer(ctx);
    this.readbacks = [0, 1].map((i) =>
      ctx.device.createBuffer({ label: `next_id_readback_${i}`, size: 4, usage: Usage.MAP_READ | Usage.COPY_DST }),
    );
    this.logitsReadback = ctx.device.createBuffer({
      label: 'logits_readback',
      size: config.vocab * 4,
      usage: Usage.MAP_READ | Usage.COPY_DST,
    });
  }

  get context(): number {
    return this.kv.context;
  }

  reset(): void {
    this.position = 0;
  }

  /** Feeds `promptIds`, then yields generated (or forced) tokens one by one. */
  async *generate(promptIds: readonly number[], o: GenerateOptions): AsyncGenerator<GeneratedToken> {
    if (promptIds.length === 0) throw new RuntimeError('INVALID_ARGUMENT', 'generate: the prompt has no tokens');
    this.checkIds(promptIds, 'prompt');
    if (o.forceIds) this.checkIds(o.forceIds, 'forceIds');
    const need = this.position + promptIds.length;
    if (need > this.context) {
      throw new RuntimeError(
        'CONTEXT_OVERFLOW',
        `prompt of ${promptIds.length} tokens at position ${this.position} needs ${need} positions but the context holds ${this.context}`,
        { details: { promptTokens: promptIds.length, position: this.position, context: this.context } },
      );
    }
    const greedy = !(o.temperature && o.temperature > 0);
    const stop = new Set(o.stopIds ?? []);
    const limit = o.forceIds ? Math.min(o.maxTokens, o.forceIds.length) : o.maxTokens;
    if (penaltiesActive(o)) {
      this.penalties ??= await PenaltyState.create(this.ctx, this.config, this.acts);
      this.penalties.start(o);
    }
    // Pipelined: step j+1 is submitted before token j is read back (the sampler
    // leaves its pick in ids[0], where the next step's embedding reads it), so the
    // device never idles over a readback round trip and the JS of the next step
    // overlaps this one. If token j ends generation, step j+1 has only fed it:
    // its K/V are valid and `position` counts them. topLogits reads each step's
    // logits before the next overwrites them, so it runs unpipelined.
    const pipelined = !o.topLogits;
    let current: Pending = await this.prefill(promptIds, greedy, o);
    let next: Pending | undefined;
    try {
      for (let j = 0; j < limit; j++) {
        const forced = o.forceIds?.[j];
        const more = j + 1 < limit && this.position < this.context;
        if (pipelined && more && !o.signal?.aborted) next = await this.decode(forced, greedy, o);
        const sampled = await current.id;
        const top = o.topLogits ? await this.readTopLogits(o.topLogits) : undefined;
        const chosen = forced ?? sampled;
        yield top ? { id: chosen, top } : { id: chosen };
        if (stop.has(chosen) || !more) return;
        if (o.signal?.aborted) throw new RuntimeError('ABORTED', 'generation was aborted');
        current = next ?? (await this.decode(forced, greedy, o));
        next = undefined;
      }
    } finally {
      // A step still in flight (the consumer stopped early) must finish its readback before the buffer is reused.
      await next?.id.catch(() => {});
    }
  }

  /** Runs the prompt in chunks; the last chunk's step picks the next id. */
  private async prefill(ids: readonly number[], greedy: boolean, o: GenerateOptions): Promise<Pending> {
    const chunk = this.shape.prefillChunk;
    // A long prompt is many steps: at most two in flight, so an abort is noticed
    // within a step or two instead of after the whole prompt, without idling the device.
    let previous: Promise<unknown> | undefined;
    for (let start = 0; start + chunk < ids.length; start += chunk) {
      await previous;
      if (o.signal?.aborted) throw new RuntimeError('ABORTED', 'generation was aborted during the prompt');
      this.ctx.write(this.acts.ids, new Uint32Array(ids.slice(start, start + chunk)));
      await this.runStep(chunk, false, greedy, o);
      previous = this.stepDone();
    }
    await previous;
    if (o.signal?.aborted) throw new RuntimeError('ABORTED', 'generation was aborted during the prompt');
    const last = ids.slice(Math.floor((ids.length - 1) / chunk) * chunk);
    this.ctx.write(this.acts.ids, new Uint32Array(last));
    return this.runStep(last.length, true, greedy, o);
  }

  /** One token; `id` overwrites the sampler's pick in ids[0] (teacher forcing). */
  private decode(id: number | undefined, greedy: boolean, o: GenerateOptions): Promise<Pending> {
    if (id !== undefined) this.ctx.write(this.acts.ids, new Uint32Array([id]));
    return this.runStep(1, true, greedy, o);
  }

  /** One submit: the step's body, and (withHead) the head and a 4-byte readback of the next id. */
  private async runStep(T: number, withHead: boolean, greedy: boolean, o: GenerateOptions): Promise<Pending> {
    const graph = await this.graph(T);
    const t0 = performance.now();
    this.stepBuffer.write({
      pos: this.position,
      tokens: T,
      seed: mixSeed(o.seed ?? 0, this.position),
      temperature: o.temperature ?? 0,
      topK: o.topK ?? 0,
      topP: o.topP ?? 1,
    });
    const encoder = this.ctx.device.createCommandEncoder({ label: `step_t${T}` });
    let pass = encoder.beginComputePass({ label: `body_t${T}` });
    encodeDispatches(pass, graph.body);
    let dispatches = graph.body.length;
    if (withHead) {
      if (graph.copyLastRow) {
        pass.end();
        const rowBytes = this.config.nEmbd * 4;
        encoder.copyBufferToBuffer(this.acts.x, (T - 1) * rowBytes, this.acts.last, 0, rowBytes);
        pass = encoder.beginComputePass({ label: 'head' });
      }
      const penalties = penaltiesActive(o) ? this.penalties : undefined;
      const head = penalties
        ? penalties.head(graph.logitsHead, greedy ? graph.greedyPick : graph.samplePick)
        : greedy
          ? graph.greedyHead
          : graph.sampleHead;
      encodeDispatches(pass, head);
      dispatches += head.length;
    }
    pass.end();
    const readback = withHead ? this.nextReadback() : undefined;
    if (readback) encoder.copyBufferToBuffer(this.acts.ids, 0, readback, 0, 4);
    this.ctx.device.queue.submit([encoder.finish()]);
    this.counters.jsMs += performance.now() - t0;
    this.counters.submits++;
    if (T === 1) this.counters.decodeSteps++;
    this.counters.dispatches += dispatches;
    this.position += T;
    if (!readback) return { id: Promise.resolve(0) };
    const id = this.readId(readback);
    // Handled here too: a step whose id is never awaited (an error elsewhere) must not crash the process.
    id.catch(() => {});
    return { id };
  }

  private nextReadback(): GPUBuffer {
    this.readbackTurn ^= 1;
    return this.readbacks[this.readbackTurn]!;
  }

  /** Resolves when everything submitted so far has run (rejects on device loss). */
  private stepDone(): Promise<unknown> {
    return Promise.race([this.ctx.device.queue.onSubmittedWorkDone(), this.ctx.lost.then((e) => Promise.reject(e))]);
  }

  private async readId(readback: GPUBuffer): Promise<number> {
    await this.mapped(readback);
    const id = new Uint32Array(readback.getMappedRange(0, 4))[0]!;
    readback.unmap();
    this.counters.readbackBytes += 4;
    return id;
  }

  private async readTopLogits(k: number): Promise<[number, number][]> {
    const encoder = this.ctx.device.createCommandEncoder({ label: 'logits_readback' });
    encoder.copyBufferToBuffer(this.acts.logits, 0, this.logitsReadback, 0, this.config.vocab * 4);
    this.ctx.device.queue.submit([encoder.finish()]);
    await this.mapped(this.logitsReadback);
    const logits = new Float32Array(this.logitsReadback.getMappedRange().slice(0));
    this.logitsReadback.unmap();
    return topK(logits, k);
  }

  private async mapped(buffer: GPUBuffer): Promise<void> {
    await Promise.race([buffer.mapAsync(MapMode.READ), this.ctx.lost.then((e) => Promise.reject(e))]);
    const [fault] = this.ctx.takeUncapturedErrors();
    if (fault) throw fault;
  }

  private graph(T: number): Promise<StepGraph> {
    let g = this.graphs.get(T);
    if (!g) {
      g = buildStepGraph(
        {
          ctx: this.ctx,
          config: this.config,
          weights: this.weights,
          acts: this.acts,
          kv: this.kv,
          step: this.stepBuffer.buffer,
          foldNorms: this.shape.foldNorms,
        },
        T,
      );
      this.graphs.set(T, g);
    }
    return g;
  }

  private checkIds(ids: readonly number[], what: string): void {
    const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= this.config.vocab);
    if (bad >= 0) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        `${what}[${bad}] = ${ids[bad]} is not a token id (vocabulary of ${this.config.vocab})`,
        {
          details: { what, index: bad, id: ids[bad] },
        },
      );
    }
  }

  async dispose(): Promise<void> {
    for (const g of this.graphs.values()) {
      const graph = await g.catch(() => undefined);
      if (!graph) continue;
      for (const d of new Set([...graph.body, ...graph.greedyHead, ...graph.sampleHead])) disposeDispatch(d);
    }
    this.graphs.clear();
    this.penalties?.dispose();
    this.penalties = undefined;
    this.stepBuffer.dispose();
    for (const b of this.readbacks) b.destroy();
    this.logitsReadback.destroy();
    for (const b of [...this.kv.k, ...this.kv.v]) b.destroy();
    for (const b of Object.values(this.acts)) if (typeof b !== 'number') b.destroy();
  }
}

/** A different sampler seed for every position, from the request's seed. */
export function mixSeed(seed: number, position: number): number {
  let h = (seed ^ Math.imul(position + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

/** The k largest [id, logit], highest first (lower id first on ties). */
export function topK(logits: Float32Array, k: number): [number, number][] {
  const best: [number, number][] = [];
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (best.length === k && !(v > best[k - 1]![1])) continue;
    let at = best.length;
    while (at > 0 && v > best[at - 1]![1]) at--;
    best.splice(at, 0, [i, v]);
    if (best.length > k) best.pop();
  }
  return best;
}

export async function createSessionBuffers(
  ctx: GpuContext,
  c: ModelConfig,
  shape: SessionShape,
): Promise<{ acts: Activations; kv: KvCache }> {
  const T = shape.prefillChunk;
  const f32 = (label: string, count: number) =>
    ctx.createBuffer(label, Math.max(4, count * 4), Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST);
  const qw = c.nHead * c.headDim;
  const kvw = c.nKvHead * c.headDim;
  const acts: Activations = {
    maxT: T,
    ids: await f32('ids', T),
    x: await f32('x', T * c.nEmbd),
    xn: await f32('xn', T * c.nEmbd),
    q: await f32('q', T * qw),
    k: await f32('k', T * kvw),
    v: await f32('v', T * kvw),
    attn: await f32('attn', T * qw),
    gate: await f32('gate_up', T * 2 * c.nFf),
    up: await f32('up', T * c.nFf),
    h: await f32('h', T * c.nFf),
    last: await f32('last', c.nEmbd),
    lastNorm: await f32('last_norm', c.nEmbd),
    logits: await f32('logits', c.vocab),
    attnScratch: await ctx.createBuffer(
      'attn_scratch',
      attentionDecodeScratchBytes({ nHead: c.nHead, headDim: c.headDim, ctx: shape.context }),
      Usage.STORAGE,
    ),
  };
  const rowBytes = kvw * (shape.kvDtype === 'f16' ? 2 : 4);
  const kv: KvCache = { context: shape.context, dtype: shape.kvDtype, k: [], v: [] };
  for (let i = 0; i < c.nLayer; i++) {
    kv.k.push(await ctx.createBuffer(`blk.${i}.k_cache`, shape.context * rowBytes, Usage.STORAGE));
    kv.v.push(await ctx.createBuffer(`blk.${i}.v_cache`, shape.context * rowBytes, Usage.STORAGE));
  }
  return { acts, kv };
}
