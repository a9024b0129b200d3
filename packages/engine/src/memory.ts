import { RuntimeError } from '@webseek/api';
import type { Gguf } from '@webseek/formats';
import type { ModelConfig } from './config.ts';
import { expectedTensors } from './weights.ts';

export type KvDtype = 'f16' | 'f32';

export interface MemoryPlan {
  weights: number;
  kvCache: number;
  scratch: number;
  total: number;
  /** The largest single buffer: it must fit the device's maxBufferSize. */
  largestBuffer: { name: string; bytes: number };
}

export interface SessionShape {
  /** Positions the KV cache holds. */
  context: number;
  /** Most tokens one prefill step processes. */
  prefillChunk: number;
  kvDtype: KvDtype;
  /**
   * Decode steps fold each RMSNorm into the matvecs after it (2 launches fewer per layer). Worth it
   * where launches cost more than ALU (GPUs); on a CPU adapter, ALU-bound, it ran 5-10% slower.
   */
  foldNorms?: boolean;
}

/** Bytes of the KV cache: K and V for every layer. */
export function kvCacheBytes(c: ModelConfig, context: number, dtype: KvDtype): number {
  return 2 * c.nLayer * context * c.nKvHead * c.headDim * (dtype === 'f16' ? 2 : 4);
}

/** Activation buffers for a step of `chunk` tokens, plus logits and attention scratch. */
export function scratchBytes(c: ModelConfig, s: SessionShape): number {
  const t = s.prefillChunk;
  // [gate | up], up alone (layers that keep them apart), h.
  const rows = t * (3 * c.nEmbd + 2 * c.nHead * c.headDim + 2 * c.nKvHead * c.headDim + 4 * c.nFf);
  const splits = Math.min(64, Math.ceil(s.context / 64));
  const attention = c.nHead * splits * (c.headDim + 2);
  return 4 * (rows + c.vocab + attention + t);
}

/** Estimates device memory from tensor sizes in the file (the GPU layout is within a few % of it). */
export function planMemory(gguf: Gguf, c: ModelConfig, s: SessionShape): MemoryPlan {
  let weights = 0;
  let largestBuffer = { name: '', bytes: 0 };
  for (const name of expectedTensors(c).keys()) {
    const bytes = gguf.tensors.find((t) => t.name === name)?.byteSize ?? 0;
    weights += bytes;
    if (bytes > largestBuffer.bytes) largestBuffer = { name, bytes };
  }
  const kvCache = kvCacheBytes(c, s.context, s.kvDtype);
  const perLayerKv = kvCache / (2 * c.nLayer);
  if (perLayerKv > largestBuffer.bytes) largestBuffer = { name: 'kv cache (one layer)', bytes: perLayerKv };
  const scratch = scratchBytes(c, s);
  return { weights, kvCache, scratch, total: weights + kvCache + scratch, largestBuffer };
}

export interface DeviceBudget {
  maxBufferSize: number;
  /** Total bytes the device can give us; undefined when unknown (then only per-buffer limits are checked). */
  totalBytes?: number;
}

/**
 * Refuses, before any upload, a model that cannot fit: GPU_OOM saying what is
 * needed, what is available and the largest context that would fit.
 */
export function checkMemory(
  file: string,
  c: ModelConfig,
  s: SessionShape,
  plan: MemoryPlan,
  budget: DeviceBudget,
): void {
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  if (plan.largestBuffer.bytes > budget.maxBufferSize) {
    throw new RuntimeError(
      'GPU_OOM',
      `${file}: '${plan.largestBuffer.name}' needs one buffer of ${mb(plan.largestBuffer.bytes)} but the device allows at most ${mb(budget.maxBufferSize)} per buffer`,
      { details: { file, ...plan, maxBufferSize: budget.maxBufferSize } },
    );
  }
  if (budget.totalBytes === undefined || plan.total <= budget.totalBytes) return;
  const perPosition = kvCacheBytes(c, 1, s.kvDtype);
  const room = budget.totalBytes - plan.weights - plan.scratch;
  const fits = Math.max(0, Math.floor(room / perPosition));
  throw new RuntimeError(
    'GPU_OOM',
    `${file}: needs ${mb(plan.total)} of GPU memory (weights ${mb(plan.weights)}, KV cache ${mb(plan.kvCache)} at context ${s.context}, scratch ${mb(plan.scratch)}) but only ${mb(budget.totalBytes)} is available; ` +
      (fits > 0 ? `a context of at most ${fits} would fit` : 'the weights alone do not fit'),
    { details: { file, ...plan, available: budget.totalBytes, contextThatFits: fits } },
  );
}
