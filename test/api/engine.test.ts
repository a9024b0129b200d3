/**
 * The OpenAI-shaped Engine on the real device with tiny synthetic models:
 * whole vs streamed answers, usage, stop strings, max_tokens, aborts, queued
 * requests, the context rule, KV-prefix reuse, reasoning_content, penalties.
 */
import {
  type ChatCompletionChunk,
  type ChatCompletionMessageParam,
  type Completion,
  isRuntimeError,
  type LoadProgress,
} from '@webseek/api';
import { Engine } from '@webseek/engine';
import { applyPenalties, argmax } from '@webseek/reference';
import { applyChatTemplate, splitReasoning } from '@webseek/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testContext } from '../support/gpu.ts';
import { boostedModelBytes, tinyModelBytes } from './tiny.ts';

const CONTEXT = 256;
const QUESTION: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the capital of France?' }];
const LOAD = { modelId: 'tiny', contextLength: CONTEXT, prefillChunk: 16 };

let engine: Engine;

beforeAll(async () => {
  engine = new Engine({ context: await testContext() });
  await engine.reload(tinyModelBytes(), LOAD);
});

afterAll(async () => {
  await engine?.dispose();
});

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const chunks: T[] = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

function streamedChat(chunks: ChatCompletionChunk[]): { content: string; reasoning: string; finish: string | null } {
  let content = '';
  let reasoning = '';
  let finish: string | null = null;
  for (const c of chunks) {
    for (const choice of c.choices) {
      content += choice.delta.content ?? '';
      reasoning += choice.delta.reasoning_content ?? '';
      finish = choice.finish_reason ?? finish;
    }
  }
  return { content, reasoning, finish };
}

/** Greedy raw completion text of `prompt` (no stop strings), from a clean cache. */
async function rawGreedy(e: Engine, prompt: string, maxTokens: number): Promise<Completion> {
  await e.resetChat();
  return e.completions.create({ prompt, max_tokens: maxTokens, temperature: 0, ignore_eos: true });
}

describe('chat completions', () => {
  it('whole and streamed answers have the same text and usage', async () => {
    const request = { messages: QUESTION, max_tokens: 24, temperature: 0, ignore_eos: true } as const;
    await engine.resetChat();
    const whole = await engine.chat.completions.create(request);
    await engine.resetChat();
    const chunks = await collect(
      await engine.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } }),
    );
    const streamed = streamedChat(chunks);
    const message = whole.choices[0]!.message;
    expect(streamed.content).toBe(message.content);
    expect(streamed.reasoning).toBe(message.reasoning_content);
    expect(streamed.finish).toBe('length');
    expect(whole.choices[0]!.finish_reason).toBe('length');
    // The R1 template opens <think>: without </think> everything is reasoning.
    expect(message.content).toBe('');
    expect(message.reasoning_content!.length).toBeGreaterThan(0);

    const tokenizer = engine.model!.tokenizer;
    const promptIds = tokenizer.encode(applyChatTemplate(tokenizer, QUESTION, { addGenerationPrompt: true }));
    expect(whole.usage).toMatchObject({
      prompt_tokens: promptIds.length,
      completion_tokens: 24,
      total_tokens: promptIds.length + 24,
    });
    expect(whole.usage.prompt_tokens_details).toEqual({ cached_tokens: 0 });
    expect(whole.usage.extra.prefill_tokens).toBe(promptIds.length);
    expect(whole.usage.extra.decode_tokens_per_s).toBeGreaterThan(0);
    expect(whole.usage.extra.time_to_first_token_s).toBeGreaterThan(0);

    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ prompt_tokens: promptIds.length, completion_tokens: 24 });
    expect(chunks.slice(0, -1).every((c) => c.usage === undefined)).toBe(true);
  });

  it('max_tokens ends with length, the context rule refuses prompt + max_tokens that cannot fit', async () => {
    const r = await engine.chat.completions.create({
      messages: QUESTION,
      max_tokens: 5,
      temperature: 0,
      ignore_eos: true,
    });
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage.completion_tokens).toBe(5);

    const promptTokens = r.usage.prompt_tokens;
    const tooMany = CONTEXT - promptTokens + 1;
    const err = await engine.chat.completions.create({ messages: QUESTION, max_tokens: tooMany }).catch((e) => e);
    expect(isRuntimeError(err, 'CONTEXT_OVERFLOW')).toBe(true);
    expect(err.details).toEqual({ promptTokens, maxTokens: tooMany, context: CONTEXT });
    expect(err.message).toMatch(/context holds 256/);
    // Exactly filling the context is allowed.
    const full = await engine.chat.completions.create({
      messages: QUESTION,
      max_tokens: tooMany - 1,
      temperature: 0,
      ignore_eos: true,
    });
    expect(full.usage.total_tokens).toBe(CONTEXT);

    const long = 'the fox '.repeat(CONTEXT);
    const overflow = await engine.completions.create({ prompt: long }).catch((e) => e);
    expect(isRuntimeError(overflow, 'CONTEXT_OVERFLOW')).toBe(true);
  });

  it('without max_tokens, generation that reaches the context end finishes with length', async () => {
    const prompt = 'The quick brown fox jumps over the lazy dog. '.repeat(7);
    const r = await engine.completions.create({ prompt, temperature: 0, ignore_eos: true });
    expect(r.choices[0]!.finish_reason).toBe('length');
    // The last token needs no cache slot: prompt and completion fill the context plus one.
    expect(r.usage!.prompt_tokens + r.usage!.completion_tokens).toBe(CONTEXT + 1);
  });

  it('refuses bad and unsupported fields before queueing, naming the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ n: 2 }, /n must be 1/],
      [{ temperature: 3 }, /temperature must be a number in \[0, 2\]/],
      [{ max_tokens: 0 }, /max_tokens/],
      [{ logit_bias: { 5: 1 } }, /'logit_bias' is not supported/],
      [{ stop: [1] }, /stop must be a string or an array of strings/],
      [{ presence_penalty: 2.5 }, /presence_penalty/],
    ];
    for (const [fields, message] of cases) {
      const err = await engine.chat.completions.create({ messages: QUESTION, ...fields }).catch((e) => e);
      expect(isRuntimeError(err, 'INVALID_ARGUMENT'), JSON.stringify(fields)).toBe(true);
      expect(err.message).toMatch(message);
    }
    const wrongModel = await engine.chat.completions.create({ messages: QUESTION, model: 'other' }).catch((e) => e);
    expect(isRuntimeError(wrongModel, 'MODEL_NOT_LOADED')).toBe(true);
    expect(engine.queued).toBe(0);
  });
});

describe('stop strings', () => {
  const prompt = 'The capital of France is';

  it('cut the text before the first match, also across tokens, whole and streamed', async () => {
    const full = (await rawGreedy(engine, prompt, 40)).choices[0]!.text;
    // An ASCII stretch of the second half, so the stop string spans several tokens.
    const match = /[ -~]{4,}/.exec(full.slice(full.length / 3));
    expect(match, `no ASCII run in ${JSON.stringify(full)}`).not.toBeNull();
    const stop = match![0].slice(0, 4);
    const cut = full.slice(0, full.indexOf(stop));
    const tokenizer = engine.model!.tokenizer;
    expect(tokenizer.encode(stop).length, 'the stop string should span tokens').toBeGreaterThan(1);

    await engine.resetChat();
    const whole = await engine.completions.create({ prompt, max_tokens: 40, temperature: 0, ignore_eos: true, stop });
    expect(whole.choices[0]).toMatchObject({ text: cut, finish_reason: 'stop' });
    await engine.resetChat();
    const chunks = await collect(
      await engine.completions.create({
        prompt,
        max_tokens: 40,
        temperature: 0,
        ignore_eos: true,
        stop: ['zzzz', stop],
        stream: true,
      }),
    );
    expect(chunks.map((c) => c.choices[0]!.text).join('')).toBe(cut);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });

  it('hold back a possible stop string and release it when it does not complete', async () => {
    const full = (await rawGreedy(engine, prompt, 30)).choices[0]!.text;
    // Never matches, but its first characters are the text's last ones.
    const stop = `${full.slice(-2)}\u0001never`;
    await engine.resetChat();
    const chunks = await collect(
      await engine.completions.create({ prompt, max_tokens: 30, temperature: 0, ignore_eos: true, stop, stream: true }),
    );
    expect(chunks.map((c) => c.choices[0]!.text).join('')).toBe(full);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('length');
  });
});

describe('aborts', () => {
  it('an AbortSignal ends a stream with finish_reason abort and the text so far', async () => {
    const controller = new AbortController();
    const stream = await engine.chat.completions.create(
      {
        messages: QUESTION,
        max_tokens: 100,
        temperature: 0,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true },
      },
      { signal: controller.signal },
    );
    const chunks: ChatCompletionChunk[] = [];
    for await (const c of stream) {
      chunks.push(c);
      if (chunks.length === 4) controller.abort();
    }
    expect(streamedChat(chunks).finish).toBe('abort');
    const generated = chunks.at(-1)!.usage!.completion_tokens;
    expect(generated).toBeGreaterThanOrEqual(3);
    expect(generated).toBeLessThan(100);
  });

  it('interruptGenerate ends a whole request with abort; leaving a stream early frees the model', async () => {
    const pending = engine.chat.completions.create({
      messages: QUESTION,
      max_tokens: 150,
      temperature: 0,
      ignore_eos: true,
    });
    await new Promise((r) => setTimeout(r, 50));
    engine.interruptGenerate();
    const r = await pending;
    expect(r.choices[0]!.finish_reason).toBe('abort');
    expect(r.usage.completion_tokens).toBeLessThan(150);

    const stream = await engine.chat.completions.create({
      messages: QUESTION,
      max_tokens: 150,
      temperature: 0,
      ignore_eos: true,
      stream: true,
    });
    let n = 0;
    for await (const _ of stream) if (++n === 3) break;
    const t0 = performance.now();
    const next = await engine.chat.completions.create({ messages: QUESTION, max_tokens: 2 });
    expect(next.choices[0]!.finish_reason).toBeDefined();
    // The abandoned stream stopped at its next token instead of running 150.
    expect(next.usage.extra.queue_time_s).toBeLessThan(1);
    console.log(`after break: next request waited ${(performance.now() - t0).toFixed(0)} ms in all`);
  });

  it('a signal aborted before the request runs gives an empty abort', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await engine.chat.completions.create(
      { messages: QUESTION, max_tokens: 10 },
      { signal: controller.signal },
    );
    expect(r.choices[0]).toMatchObject({ finish_reason: 'abort', message: { content: '' } });
    expect(r.usage.completion_tokens).toBe(0);
  });
});

describe('queueing', () => {
  it('concurrent streams run one after the other, each as it runs alone', async () => {
    const requests = [
      { messages: QUESTION, max_tokens: 12, temperature: 0, ignore_eos: true },
      {
        messages: [{ role: 'user' as const, content: 'Two plus two?' }],
        max_tokens: 9,
        temperature: 0.8,
        seed: 7,
        ignore_eos: true,
      },
      {
        messages: [{ role: 'user' as const, content: 'Think step by step.' }],
        max_tokens: 7,
        temperature: 0,
        ignore_eos: true,
      },
    ];
    const solo: string[] = [];
    for (const req of requests) {
      await engine.resetChat();
      solo.push(streamedChat(await collect(await engine.chat.completions.create({ ...req, stream: true }))).reasoning);
    }
    await engine.resetChat();
    const log: { who: number; chunk: ChatCompletionChunk }[] = [];
    const streams = await Promise.all(requests.map((req) => engine.chat.completions.create({ ...req, stream: true })));
    await Promise.all(
      streams.map(async (s, who) => {
        for await (const chunk of s) log.push({ who, chunk });
      }),
    );
    // Text deltas of request i all arrive before any of request i + 1.
    const order = log.filter((e) => e.chunk.choices[0]?.delta.reasoning_content).map((e) => e.who);
    expect(order).toEqual([...order].sort());
    requests.forEach((_, who) => {
      const own = streamedChat(log.filter((e) => e.who === who).map((e) => e.chunk));
      expect(own.reasoning, `request ${who}`).toBe(solo[who]);
    });
  });

  it('whole requests wait their turn (queue time is reported)', async () => {
    const results = await Promise.all(
      [0, 1, 2].map(() =>
        engine.chat.completions.create({ messages: QUESTION, max_tokens: 8, temperature: 0, ignore_eos: true }),
      ),
    );
    const texts = results.map((r) => r.choices[0]!.message.reasoning_content);
    expect(new Set(texts).size).toBe(1);
    expect(results[2]!.usage.extra.queue_time_s).toBeGreaterThan(results[0]!.usage.extra.queue_time_s);
  });
});

describe('KV-prefix reuse', () => {
  it('a second turn feeds only what is new, with the same answer as from scratch', async () => {
    const system = {
      role: 'system' as const,
      content:
        'You are a careful assistant. Read the question, think about the answer step by step, then write it down. ' +
        'Numbers like 2024 and 3.14159 are split into digits, while words keep their leading spaces.',
    };
    const turn1 = [system, ...QUESTION];
    await engine.resetChat();
    const first = await engine.chat.completions.create({
      messages: turn1,
      max_tokens: 10,
      temperature: 0,
      ignore_eos: true,
    });
    const turn2: ChatCompletionMessageParam[] = [
      ...turn1,
      { role: 'assistant', content: 'Paris.', reasoning_content: first.choices[0]!.message.reasoning_content ?? null },
      { role: 'user', content: 'And of Italy?' },
    ];
    const reused = await engine.chat.completions.create({
      messages: turn2,
      max_tokens: 10,
      temperature: 0,
      ignore_eos: true,
    });
    await engine.resetChat();
    const scratch = await engine.chat.completions.create({
      messages: turn2,
      max_tokens: 10,
      temperature: 0,
      ignore_eos: true,
    });

    // Turn 1's prompt up to `<｜Assistant｜>` is shared; its generation prompt `<think>\n` is not.
    const tokenizer = engine.model!.tokenizer;
    const ids1 = tokenizer.encode(applyChatTemplate(tokenizer, turn1, { addGenerationPrompt: true }));
    const ids2 = tokenizer.encode(applyChatTemplate(tokenizer, turn2, { addGenerationPrompt: true }));
    let common = 0;
    while (ids1[common] === ids2[common]) common++;
    expect(common).toBeGreaterThan(40);
    expect(reused.usage.prompt_tokens_details!.cached_tokens).toBe(common);
    expect(reused.usage.extra.prefill_tokens).toBe(ids2.length - common);
    expect(scratch.usage.extra.prefill_tokens).toBe(ids2.length);
    expect(reused.choices[0]!.message).toEqual(scratch.choices[0]!.message);

    const saved = scratch.usage.extra.time_to_first_token_s - reused.usage.extra.time_to_first_token_s;
    console.log(
      `prefix reuse: turn 2 fed ${ids2.length - common} of ${ids2.length} prompt tokens ` +
        `(${common} reused); time to first token ${(1000 * reused.usage.extra.time_to_first_token_s).toFixed(1)} ms ` +
        `vs ${(1000 * scratch.usage.extra.time_to_first_token_s).toFixed(1)} ms from scratch (${(1000 * saved).toFixed(1)} ms saved)`,
    );
  });

  it('an engine with prefixReuse off always feeds the whole prompt', async () => {
    const plain = new Engine({ context: await testContext(), prefixReuse: false });
    await plain.reload(tinyModelBytes(), LOAD);
    await plain.chat.completions.create({ messages: QUESTION, max_tokens: 3 });
    const again = await plain.chat.completions.create({ messages: QUESTION, max_tokens: 3 });
    expect(again.usage.prompt_tokens_details!.cached_tokens).toBe(0);
    expect(again.usage.extra.prefill_tokens).toBe(again.usage.prompt_tokens);
    await plain.dispose();
  });
});

describe('reasoning_content', () => {
  it('splits the answer at </think> as splitReasoning does on the raw text', async () => {
    const thinker = new Engine({ context: await testContext() });
    await thinker.reload(boostedModelBytes('</think>', 3), { ...LOAD, modelId: 'thinker' });
    const rendered = applyChatTemplate(thinker.model!.tokenizer, QUESTION, { addGenerationPrompt: true });
    expect(rendered.endsWith('<｜Assistant｜><think>\n')).toBe(true);
    const raw = (await rawGreedy(thinker, rendered, 30)).choices[0]!.text;
    expect(raw, 'the boosted model should close its reasoning').toContain('</think>');
    const want = splitReasoning(raw, { startInReasoning: true });
    expect(want.content.length).toBeGreaterThan(0);

    await thinker.resetChat();
    const whole = await thinker.chat.completions.create({
      messages: QUESTION,
      max_tokens: 30,
      temperature: 0,
      ignore_eos: true,
    });
    expect(whole.choices[0]!.message).toMatchObject({
      content: want.content,
      reasoning_content: want.reasoning_content,
    });
    await thinker.resetChat();
    const chunks = await collect(
      await thinker.chat.completions.create({
        messages: QUESTION,
        max_tokens: 30,
        temperature: 0,
        ignore_eos: true,
        stream: true,
      }),
    );
    const streamed = streamedChat(chunks);
    expect({ content: streamed.content, reasoning_content: streamed.reasoning }).toEqual(want);
    // No chunk mixes the two fields' text across the </think> boundary.
    expect(chunks.some((c) => c.choices[0]?.delta.content && c.choices[0]?.delta.reasoning_content)).toBe(false);
    await thinker.dispose();
  });

  it('an end-of-sentence token ends the answer with finish_reason stop', async () => {
    const stopper = new Engine({ context: await testContext() });
    await stopper.reload(boostedModelBytes('<｜end▁of▁sentence｜>', 3), { ...LOAD, modelId: 'stopper' });
    const r = await stopper.chat.completions.create({ messages: QUESTION, max_tokens: 60, temperature: 0 });
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage.completion_tokens).toBeLessThan(60);
    expect(r.choices[0]!.message.reasoning_content).not.toContain('end▁of▁sentence');
    await stopper.dispose();
  });
});

describe('presence and frequency penalties (on the device)', () => {
  it('greedy picks are the argmax of the penalized logits, step by step', async () => {
    const prompt = 'The dog sleeps in the sun, and the fox';
    const penalty = { presence: 1.5, frequency: 0.75 };
    const model = engine.model!;
    const vocab = model.config.vocab;
    const promptIds = [model.tokenizer.bosId!, ...model.tokenizer.encode(prompt)];
    await engine.resetChat();
    const session = await model.getSession();
    const generated: number[] = [];
    session.reset();
    for await (const t of session.generate(promptIds, {
      maxTokens: 24,
      presencePenalty: penalty.presence,
      frequencyPenalty: penalty.frequency,
    }))
      generated.push(t.id);
    // Replay those ids teacher-forced with no penalty, reading each step's raw logits.
    const steps: [number, number][][] = [];
    session.reset();
    for await (const t of session.generate(promptIds, { maxTokens: 24, forceIds: generated, topLogits: vocab })) {
      steps.push(t.top!);
    }
    await engine.resetChat();
    const counts = new Uint32Array(vocab);
    steps.forEach((top, j) => {
      const logits = new Float32Array(vocab);
      for (const [id, v] of top) logits[id] = v;
      expect(generated[j], `step ${j}`).toBe(
        argmax(applyPenalties(logits, counts, penalty.presence, penalty.frequency)),
      );
      counts[generated[j]!]!++;
    });
    expect(Math.max(...counts), 'penalties should leave few repeats').toBeLessThan(6);

    // The API passes the request's penalties through.
    const request = { prompt, max_tokens: 24, temperature: 0, ignore_eos: true };
    const r = await engine.completions.create({
      ...request,
      presence_penalty: penalty.presence,
      frequency_penalty: penalty.frequency,
    });
    expect(r.choices[0]!.text).toBe(model.tokenizer.decode(generated, { skipSpecial: true }));
    const plain = await rawGreedy(engine, prompt, 24);
    expect(plain.choices[0]!.text).not.toBe(r.choices[0]!.text);
  });
});

describe('loading', () => {
  it('reports progress up to ready, and refuses requests without a model', async () => {
    const e = new Engine({ context: await testContext() });
    const err = await e.chat.completions.create({ messages: QUESTION }).catch((x) => x);
    expect(isRuntimeError(err, 'MODEL_NOT_LOADED')).toBe(true);
    const reports: LoadProgress[] = [];
    const info = await e.reload(tinyModelBytes(), { ...LOAD, onProgress: (p) => reports.push(p) });
    expect(info).toMatchObject({ id: 'tiny', arch: 'qwen2', contextLength: CONTEXT, vocab: 320 });
    expect(reports.at(-1)).toMatchObject({ phase: 'ready', fraction: 1 });
    expect(reports.some((p) => p.phase === 'upload')).toBe(true);
    const fractions = reports.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(reports.every((p) => p.text.length > 0 && p.elapsedSeconds >= 0)).toBe(true);
    await e.unload();
    const after = await e.chat.completions.create({ messages: QUESTION }).catch((x) => x);
    expect(isRuntimeError(after, 'MODEL_NOT_LOADED')).toBe(true);
    await e.dispose();
  });
});
