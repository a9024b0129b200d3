/**
 * Presence and frequency penalties on the device: a (vocab) u32 count of the
 * ids generated in the current request, penalized into the logits before the
 * pick and bumped after it, so a penalized step still reads back only 4 bytes.
 */
import {
  countToken,
  type Dispatch,
  disposeDispatch,
  type GpuContext,
  penalize,
  penaltyParamsBuffer,
  Usage,
  writePenaltyParams,
} from '@webseek/gpu';
import type { ModelConfig } from './config.ts';
import type { Activations } from './graph.ts';

export interface PenaltySettings {
  presencePenalty?: number;
  frequencyPenalty?: number;
}

export function penaltiesActive(o: PenaltySettings): boolean {
  return Boolean(o.presencePenalty) || Boolean(o.frequencyPenalty);
}

export class PenaltyState {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly vocab: number,
    /** (vocab) u32 occurrences of each id generated this request */
    private readonly counts: GPUBuffer,
    private readonly params: GPUBuffer,
    /** Between the output projection and the pick. */
    readonly apply: Dispatch,
    /** After the pick: counts[ids[0]] += 1. */
    readonly count: Dispatch,
  ) {}

  static async create(ctx: GpuContext, c: ModelConfig, acts: Activations): Promise<PenaltyState> {
    const counts = await ctx.createBuffer('penalty_counts', c.vocab * 4, Usage.STORAGE | Usage.COPY_DST);
    const params = penaltyParamsBuffer(ctx);
    const apply = await penalize(ctx, { logits: acts.logits, counts, params, vocab: c.vocab });
    const count = await countToken(ctx, { ids: { buffer: acts.ids, offset: 0, size: 4 }, counts, vocab: c.vocab });
    return new PenaltyState(ctx, c.vocab, counts, params, apply, count);
  }

  /** A new request: no ids generated yet, these penalties. */
  start(o: PenaltySettings): void {
    writePenaltyParams(this.ctx, this.params, {
      vocab: this.vocab,
      presence: o.presencePenalty ?? 0,
      frequency: o.frequencyPenalty ?? 0,
    });
    const encoder = this.ctx.device.createCommandEncoder({ label: 'penalty_reset' });
    encoder.clearBuffer(this.counts);
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  /** The head with penalties: logits, penalize, pick, count. */
  head(logits: readonly Dispatch[], pick: readonly Dispatch[]): Dispatch[] {
    return [...logits, this.apply, ...pick, this.count];
  }

  dispose(): void {
    disposeDispatch(this.apply);
    disposeDispatch(this.count);
    this.counts.destroy();
    this.params.destroy();
  }
}
