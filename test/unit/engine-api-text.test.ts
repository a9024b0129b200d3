/**
 * The API layer's pure parts: stop strings over arbitrary cuts, the text
 * pipeline on real token ids (UTF-8 split across tokens, reasoning, stops),
 * the scheduler's order, and request checks.
 */
import { isRuntimeError } from '@webseek/api';
import { planGeneration, Scheduler, StopMatcher, TextPipeline } from '@webseek/engine';
import { ggufTokenizerMeta, splitReasoning, tokenizerFromGguf } from '@webseek/tokenizer';
import { describe, expect, it } from 'vitest';
import { tinyModelBytes } from '../api/tiny.ts';
import { readBack } from '../support/models.ts';

/** Every way to cut `text` into two or three pieces, pushed through a fresh matcher. */
function allCuts(text: string, stops: string[]): { out: string; stopped: boolean }[] {
  const results = [];
  for (let i = 0; i <= text.length; i++) {
    for (let j = i; j <= text.length; j++) {
      const m = new StopMatcher(stops);
      let out = '';
      let stopped = false;
      for (const piece of [text.slice(0, i), text.slice(i, j), text.slice(j)]) {
        const r = m.push(piece);
        out += r.text;
        stopped ||= r.stopped;
      }
      out += m.flush();
      results.push({ out, stopped });
    }
  }
  return results;
}

describe('StopMatcher', () => {
  it('cuts before the first stop string to complete, wherever the text is split', () => {
    for (const r of allCuts('abc<end>def<stop>', ['<stop>', '<end>'])) expect(r).toEqual({ out: 'abc', stopped: true });
    for (const r of allCuts('one two three', ['o t', 'two'])) expect(r).toEqual({ out: 'one ', stopped: true });
    // 'bc' completes before 'abcd' does, as it would token by token.
    for (const r of allCuts('xabcd', ['abcd', 'bc'])) expect(r).toEqual({ out: 'xa', stopped: true });
    for (const r of allCuts('xabcd', ['abc', 'bc'])) expect(r).toEqual({ out: 'x', stopped: true });
  });

  it('releases held text that turns out not to be a stop string', () => {
    for (const r of allCuts('a <en <e', ['<end>'])) expect(r).toEqual({ out: 'a <en <e', stopped: false });
    const m = new StopMatcher(['</s>']);
    expect(m.push('x</')).toEqual({ text: 'x', stopped: false });
    expect(m.push('b')).toEqual({ text: '</b', stopped: false });
  });

  it('ignores empty stop strings and emits nothing after a stop', () => {
    const m = new StopMatcher(['', 'x']);
    expect(m.push('abxcd')).toEqual({ text: 'ab', stopped: true });
    expect(m.push('more')).toEqual({ text: '', stopped: true });
    expect(m.flush()).toBe('');
  });
});

describe('TextPipeline', async () => {
  const tokenizer = tokenizerFromGguf(ggufTokenizerMeta((await readBack(tinyModelBytes())).metadata));

  function run(ids: number[], o: { stop?: string[]; split?: boolean; open?: boolean }) {
    const p = new TextPipeline(tokenizer, {
      stop: o.stop ?? [],
      splitReasoning: o.split ?? false,
      startInReasoning: o.open ?? false,
    });
    let reasoning = '';
    let content = '';
    let stopped = false;
    for (const id of ids) {
      const r = p.push(id);
      reasoning += r.delta.reasoning ?? '';
      content += r.delta.content ?? '';
      if (r.stopped) {
        stopped = true;
        break;
      }
    }
    const tail = p.finish();
    return { reasoning: reasoning + (tail.reasoning ?? ''), content: content + (tail.content ?? ''), stopped };
  }

  it('decodes multi-byte characters split over byte tokens', () => {
    const text = 'héllo 世界 🦊';
    const ids = tokenizer.encode(text);
    expect(ids.length).toBeGreaterThan([...text].length);
    expect(run(ids, {}).content).toBe(text);
  });

  it('splits reasoning at </think> as splitReasoning does', () => {
    const raw = 'step one\nstep two\n</think>\n\nThe answer is four.';
    const got = run(tokenizer.encode(raw), { split: true, open: true });
    const want = splitReasoning(raw, { startInReasoning: true });
    expect({ reasoning_content: got.reasoning, content: got.content }).toEqual(want);
  });

  it('matches stop strings on the text, before the reasoning split', () => {
    const raw = 'think think</think>\n\nanswer STOP more';
    const got = run(tokenizer.encode(raw), { split: true, open: true, stop: ['STOP'] });
    expect(got).toEqual({ reasoning: 'think think', content: 'answer ', stopped: true });
    // A control token (EOS) adds no text.
    expect(run([...tokenizer.encode('ab'), tokenizer.eosId!], {}).content).toBe('ab');
  });
});

describe('Scheduler', () => {
  it('runs jobs one at a time in submission order, a failure not blocking the next', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    const job =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${name}-`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([s.run(job('a', 20)), s.run(job('b', 1, true)), s.run(job('c', 5))]);
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(s.waiting).toBe(0);
  });
});

describe('planGeneration', () => {
  it('fills OpenAI defaults, then the model defaults, and names bad fields', () => {
    const plan = planGeneration('api', { seed: 5 }, { temperature: 0.6, top_p: 0.95 });
    expect(plan).toMatchObject({ temperature: 0.6, topP: 0.95, topK: 0, seed: 5, stop: [], maxTokens: undefined });
    expect(planGeneration('api', { temperature: 0, stop: 'x' })).toMatchObject({
      temperature: 0,
      topP: 1,
      stop: ['x'],
    });
    expect(planGeneration('api', { seed: -1 }).seed).toBe(0xffffffff);
    const err = (() => {
      try {
        planGeneration('api', { top_p: 1.5 });
      } catch (e) {
        return e;
      }
    })();
    expect(isRuntimeError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toBe('api: top_p must be a number in [0, 1], got 1.5');
  });
});
