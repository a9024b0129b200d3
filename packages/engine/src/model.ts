import { type ByteSource, type Gguf, readGguf } from '@webseek/formats';
import type { GpuContext } from '@webseek/gpu';
import { ggufTokenizerMeta, type Tokenizer, tokenizerFromGguf } from '@webseek/tokenizer';
import { configFromGguf, type ModelConfig } from './config.ts';
import {
  checkMemory,
  type DeviceBudget,
  type KvDtype,
  type MemoryPlan,
  planMemory,
  type SessionShape,
} from './memory.ts';
import { createSessionBuffers, Session } from './session.ts';
import { checkTensors, disposeModelWeights, type LoadProgress, loadWeights, type ModelWeights } from './weights.ts';

export interface LoadModelOptions {
  /** Positions the KV cache holds; default min(4096, the model's training context). */
  contextLength?: number;
  /** Most tokens per prefill step (the matrix-matrix batch); default 128. */
  prefillChunk?: number;
  /** KV cache precision; default f16 (half the memory and bandwidth). */
  kvDtype?: KvDtype;
  /** Device memory we may use in all; unknown by default (then only per-buffer limits are checked). */
  gpuMemoryBytes?: number;
  /**
   * Stack q/k/v and gate/up into one matrix each where their types agree (one
   * launch instead of three and two); default true. Off only to measure it.
   */
  stackProjections?: boolean;
  /** Fold each RMSNorm into the decode matvecs after it; default on hardware adapters, off on CPU ones (SwiftShader). */
  foldNorms?: boolean;
  onProgress?: (p: LoadProgress) => void;
}

/** A loaded model: config, tokenizer and weights on the device. Sessions hold the per-conversation state. */
export class Model {
  private session: Session | undefined;

  constructor(
    readonly ctx: GpuContext,
    readonly gguf: Gguf,
    readonly config: ModelConfig,
    readonly tokenizer: Tokenizer,
    readonly weights: ModelWeights,
    readonly shape: SessionShape,
    readonly memory: MemoryPlan,
  ) {}

  /** The model's session (one KV cache per model for now), created on first use. */
  async getSession(): Promise<Session> {
    if (!this.session) {
      const { acts, kv } = await createSessionBuffers(this.ctx, this.config, this.shape);
      this.session = new Session(this.ctx, this.config, this.weights, this.shape, acts, kv);
    }
    return this.session;
  }

  /** Ids that end generation: EOS and the vocabulary's other end-of-generation tokens. */
  get stopIds(): number[] {
    return [...this.tokenizer.eogIds];
  }

  async dispose(): Promise<void> {
    await this.session?.dispose();
    this.session = undefined;
    disposeModelWeights(this.weights);
  }
}

/** Reads a GGUF's header, checks it fits the device, then uploads its weights. */
export async function loadModel(ctx: GpuContext, source: ByteSource, o: LoadModelOptions = {}): Promise<Model> {
  const gguf = await readGguf(source);
  const config = configFromGguf(gguf);
  checkTensors(gguf, config);
  const tokenizer = tokenizerFromGguf(ggufTokenizerMeta(gguf.metadata));
  const context = Math.min(o.contextLength ?? 4096, config.ctxTrain);
  const shape: SessionShape = {
    context,
    prefillChunk: Math.min(o.prefillChunk ?? 128, context),
    kvDtype: o.kvDtype ?? 'f16',
    foldNorms: o.foldNorms ?? !ctx.adapterInfo.isSoftware,
  };
  const memory = planMemory(gguf, config, shape);
  const budget: DeviceBudget = {
    maxBufferSize: Math.min(ctx.caps.maxBufferSize, ctx.caps.maxStorageBufferBindingSize),
    ...(o.gpuMemoryBytes !== undefined ? { totalBytes: o.gpuMemoryBytes } : {}),
  };
  checkMemory(gguf.name, config, shape, memory, budget);
  const weights = await loadWeights(ctx, gguf, config, o.onProgress, { stack: o.stackProjections ?? true });
  return new Model(ctx, gguf, config, tokenizer, weights, shape, memory);
}
