/**
 * Pipelined decoding (Session.generate): step j+1 is submitted before token j
 * is read back. The ids must be exactly those of the unpipelined path
 * (topLogits turns pipelining off), the next step must really be in flight
 * when a token is handed out, and stopping early must leave the session with
 * every handed-out token fed and nothing mapped.
 */
import { isRuntimeError } from '@webseek/api';
import { loadModel, type Model } from '@webseek/engine';
import { bytesSource } from '@webseek/formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testContext } from '../support/gpu.ts';
import { syntheticGgufBytes, tinyQwen2 } from '../support/models.ts';

const SPEC = tinyQwen2({ seed: 21 });
const PROMPT = [5, 17, 33, 101, 7, 250, 12, 99, 4, 64, 201];

let model: Model;

beforeAll(async () => {
  const ctx = await testContext();
  model = await loadModel(ctx, bytesSource(syntheticGgufBytes(SPEC), 'pipeline.gguf'), {
    contextLength: 64,
    prefillChunk: 8,
  });
});

afterAll(async () => {
  await model?.dispose();
});

async function ids(options: Parameters<Awaited<ReturnType<Model['getSession']>>['generate']>[1]): Promise<number[]> {
  const session = await model.getSession();
  session.reset();
  const out: number[] = [];
  for await (const t of session.generate(PROMPT, options)) out.push(t.id);
  return out;
}

describe('pipelined decoding', () => {
  it('picks exactly the ids of the unpipelined path, greedy and sampled', async () => {
    const greedy = await ids({ maxTokens: 12 });
    expect(greedy).toEqual(await ids({ maxTokens: 12, topLogits: 1 }));
    const sampled = { maxTokens: 12, temperature: 0.9, topP: 0.95, seed: 7 };
    expect(await ids(sampled)).toEqual(await ids({ ...sampled, topLogits: 1 }));
    const forced = [3, 44, 150, 9, 300, 21];
    expect(await ids({ maxTokens: 6, forceIds: forced })).toEqual(forced);
  });

  it('has the next step submitted when a token is handed out, and none after the last', async () => {
    const session = await model.getSession();
    session.reset();
    const before = session.counters.submits;
    const prefillSteps = Math.ceil(PROMPT.length / session.shape.prefillChunk);
    const seen: number[] = [];
    for await (const _ of session.generate(PROMPT, { maxTokens: 5 })) seen.push(session.counters.submits - before);
    // Token j (0-based) came from step prefillSteps + j; step j+1 is already submitted, except after the last.
    expect(seen).toEqual([0, 1, 2, 3, 4].map((j) => prefillSteps + j + (j < 4 ? 1 : 0)));
    expect(session.position).toBe(PROMPT.length + 4);
  });

  it('leaving early keeps every handed-out token fed, and the session stays usable', async () => {
    const whole = await ids({ maxTokens: 10 });
    const session = await model.getSession();
    session.reset();
    let n = 0;
    for await (const _ of session.generate(PROMPT, { maxTokens: 10 })) if (++n === 3) break;
    // The in-flight step fed token 3: its K/V are in the cache.
    expect(session.position).toBe(PROMPT.length + 3);
    // Continuing from there (token 3 already fed: the next prompt is token 4's input) matches the whole run.
    const rest: number[] = [];
    for await (const t of session.generate([whole[3]!], { maxTokens: 4, forceIds: undefined })) rest.push(t.id);
    expect(rest).toEqual(whole.slice(4, 8));
  });

  it('a stop id ends generation with the stop token fed', async () => {
    const whole = await ids({ maxTokens: 10 });
    const stopAt = whole.findIndex((id, i) => i >= 2 && whole.indexOf(id) === i);
    const got = await ids({ maxTokens: 10, stopIds: [whole[stopAt]!] });
    expect(got).toEqual(whole.slice(0, stopAt + 1));
    const session = await model.getSession();
    expect(session.position).toBe(PROMPT.length + stopAt + 1);
  });

  it('an abort during a long prompt is noticed between its steps, keeping the steps already run', async () => {
    const session = await model.getSession();
    session.reset();
    const prompt = Array.from({ length: 45 }, (_, i) => (i * 37) % 301);
    // Turns aborted at its third look: after the prefill has run two of its six 8-token steps.
    let looks = 0;
    const signal = {
      get aborted() {
        return ++looks >= 3;
      },
    } as AbortSignal;
    const error = await (async () => {
      for await (const _ of session.generate(prompt, { maxTokens: 4, signal })) throw new Error('a token came out');
    })().catch((e: unknown) => e);
    expect(isRuntimeError(error, 'ABORTED')).toBe(true);
    expect(session.position).toBe(2 * session.shape.prefillChunk);
  });
});
