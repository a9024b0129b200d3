/**
 * Chat templates (Jinja via @huggingface/jinja; the built-in R1-Distill
 * renderer against the Jinja text it reproduces) and the reasoning splitter
 * (whole text and any cut into stream deltas agree).
 */
import { Template } from '@huggingface/jinja';
import { isRuntimeError } from '@webseek/api';
import {
  applyChatTemplate,
  type ChatMessage,
  chatHistory,
  DEEPSEEK_R1_DISTILL_TEMPLATE,
  promptOpensReasoning,
  ReasoningStream,
  renderChatTemplate,
  renderDeepSeekR1,
  splitReasoning,
  tokenizerFromHf,
} from '@webseek/tokenizer';
import { describe, expect, it } from 'vitest';
import { rng } from './tokenizer-corpus.ts';
import { loadHf, R1_BOS, R1_EOS, r1DistillQwen } from './tokenizer-fixtures.ts';

const BOS = R1_BOS;
const EOS = R1_EOS;

/** Random R1 conversations: system prompts, user turns, answers with reasoning, tool calls and outputs. */
function conversations(count: number): ChatMessage[][] {
  const r = rng(99);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const text = () => pick(['Hi', '2+2?', 'Explain BPE.\n\nBriefly.', '你好', ' spaced ', '', '<b>x</b>', 'a\nb']);
  const message = (): ChatMessage => {
    const c = r();
    if (c < 0.1) return { role: 'system', content: pick(['You are helpful.', 'Answer in French.', '']) };
    if (c < 0.4) return { role: 'user', content: text() };
    if (c < 0.65) {
      const answer = pick(['4', 'Sure!\n\nHere.', '<think>\nhmm\n</think>\n\nDone.', 'a</think>b</think>c', 'plain']);
      return { role: 'assistant', content: answer, reasoning_content: r() < 0.3 ? 'thoughts' : undefined };
    }
    if (c < 0.8) {
      const calls = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => ({
        type: 'function',
        function: { name: `tool${i}`, arguments: JSON.stringify({ q: text() }) },
      }));
      return { role: 'assistant', content: null, tool_calls: calls };
    }
    return { role: 'tool', content: pick(['{"ok":true}', '42', 'line1\nline2']) };
  };
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(r() * 8) }, message));
}

describe('DeepSeek-R1-Distill chat template', () => {
  it('renders a conversation as the R1-Distill tokenizer_config template does', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '<think>\nThe user greets me.\n</think>\n\nHello!', reasoning_content: 'x' },
      { role: 'user', content: [{ type: 'text', text: '2+2' }, { type: 'image_url' }, { type: 'text', text: '?' }] },
    ];
    const expected = `${BOS}You are helpful.<｜User｜>Hi<｜Assistant｜>\n\nHello!${EOS}<｜User｜>2+2?<｜Assistant｜><think>\n`;
    expect(renderDeepSeekR1(messages, { addGenerationPrompt: true })).toBe(expected);
    expect(
      renderChatTemplate(DEEPSEEK_R1_DISTILL_TEMPLATE, messages, { bosToken: BOS, addGenerationPrompt: true }),
    ).toBe(expected);
    expect(renderDeepSeekR1(messages.slice(0, 3))).toBe(
      `${BOS}You are helpful.<｜User｜>Hi<｜Assistant｜>\n\nHello!${EOS}`,
    );
  });

  it('renders tool calls and outputs with the template’s quirks', () => {
    const call = (name: string) => ({ type: 'function', function: { name, arguments: '{"x":1}' } });
    const messages: ChatMessage[] = [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [call('a'), call('b')] },
      { role: 'tool', content: 'sunny' },
      { role: 'tool', content: 'warm' },
      { role: 'assistant', content: 'Sunny and warm.' },
    ];
    const body = (name: string) =>
      `<｜tool▁call▁begin｜>function<｜tool▁sep｜>${name}\n\`\`\`json\n{"x":1}\n\`\`\`<｜tool▁call▁end｜>`;
    expect(renderDeepSeekR1(messages, { addGenerationPrompt: true })).toBe(
      `${BOS}<｜User｜>weather?<｜Assistant｜><｜tool▁calls▁begin｜>${body('a')}\n${body('b')}<｜tool▁calls▁end｜>${EOS}` +
        `<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>sunny<｜tool▁output▁end｜>\n<｜tool▁output▁begin｜>warm<｜tool▁output▁end｜>` +
        `<｜tool▁outputs▁end｜>Sunny and warm.${EOS}<｜Assistant｜><think>\n`,
    );
  });

  it('matches the Jinja text on 400 random conversations, with and without the generation prompt', () => {
    const jinja = new Template(DEEPSEEK_R1_DISTILL_TEMPLATE);
    for (const messages of conversations(400)) {
      for (const addGenerationPrompt of [false, true]) {
        const options = { addGenerationPrompt, bosToken: BOS };
        // With the history as given, the TypeScript renderer is the Jinja text exactly (the template
        // strips `…</think>` itself, except after tool outputs, and ignores reasoning_content).
        const raw = jinja.render({ messages, bos_token: BOS, add_generation_prompt: addGenerationPrompt });
        expect(renderDeepSeekR1(messages, { ...options, keepReasoning: true })).toBe(raw);
        // With reasoning left out of the history (the default), both paths still agree.
        expect(renderDeepSeekR1(messages, options)).toBe(
          renderChatTemplate(DEEPSEEK_R1_DISTILL_TEMPLATE, messages, options),
        );
      }
    }
  });

  it('drops earlier reasoning from the history unless asked to keep it', () => {
    const messages: ChatMessage[] = [{ role: 'assistant', content: '<think>a</think>\n\nb', reasoning_content: 'a' }];
    expect(chatHistory(messages)).toEqual([{ role: 'assistant', content: '\n\nb' }]);
    expect(chatHistory(messages, { keepReasoning: true })).toEqual(messages);
  });

  it('uses the built-in template for a vocabulary without one and BOS text from the vocabulary', () => {
    const { json, config } = r1DistillQwen();
    const tokenizer = tokenizerFromHf(json, config);
    expect(tokenizer.chatTemplate).toBe(null);
    const prompt = applyChatTemplate(tokenizer, [{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
    expect(prompt).toBe(`${BOS}<｜User｜>Hi<｜Assistant｜><think>\n`);
    expect(promptOpensReasoning(prompt)).toBe(true);
    const ids = tokenizer.encode(prompt);
    expect(ids).toEqual([151646, 151644, 13048, 151645, 151648, 198]);
  });

  it("renders a vocabulary's own Jinja template (Llama 3.1's)", () => {
    const { json, config } = loadHf('llama3_1');
    const tokenizer = tokenizerFromHf(json, config);
    const prompt = applyChatTemplate(tokenizer, [{ role: 'user', content: ' Hi ' }], { addGenerationPrompt: true });
    expect(prompt).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('turns template failures into TEMPLATE errors', () => {
    const fails = (fn: () => unknown, text: RegExp) => {
      let error: unknown;
      try {
        fn();
      } catch (e) {
        error = e;
      }
      expect(isRuntimeError(error, 'TEMPLATE'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(text);
    };
    fails(() => renderChatTemplate('{% if %}', []), /chat template failed/);
    fails(() => renderChatTemplate("{{ raise_exception('roles must alternate') }}", []), /roles must alternate/);
    const noContent: ChatMessage[] = [{ role: 'assistant', content: null }];
    fails(() => renderDeepSeekR1(noContent), /message 0 \(assistant\) has neither content nor tool_calls/);
    fails(() => renderChatTemplate(DEEPSEEK_R1_DISTILL_TEMPLATE, noContent), /chat template failed/);
    fails(() => renderDeepSeekR1([{ role: 'user', content: 5 as never }]), /message 0 content/);
  });
});

describe('reasoning split', () => {
  it.each([
    ['<think>\nhmm\n</think>\n\nAnswer.', false, 'hmm', 'Answer.'],
    ['  <think>a</think>b', false, 'a', 'b'],
    ['hmm\n\n</think>\n\nAnswer.', true, 'hmm', 'Answer.'],
    ['\nstill thinking\n', true, 'still thinking\n', ''],
    ['<think>\nunfinished', false, 'unfinished', ''],
    ['no tags at all\n', false, null, 'no tags at all\n'],
    ['a </think> b', false, null, 'a </think> b'],
    ['<think></think>x<think>y</think>', false, '', 'x<think>y</think>'],
    ['<think>\n\n</think>\n\n', false, '', ''],
    ['<thinking>x', false, null, '<thinking>x'],
  ])('%j (startInReasoning %s)', (text, startInReasoning, reasoning, content) => {
    expect(splitReasoning(text, { startInReasoning })).toEqual({ reasoning_content: reasoning, content });
  });

  /** Feeds `text` in pieces at the given cut points and joins what comes out. */
  function streamed(text: string, cuts: number[], startInReasoning: boolean) {
    const s = new ReasoningStream({ startInReasoning });
    let reasoning = '';
    let content = '';
    let at = 0;
    for (const cut of [...cuts, text.length]) {
      const d = s.push(text.slice(at, cut));
      at = cut;
      reasoning += d.reasoning ?? '';
      content += d.content ?? '';
    }
    const last = s.flush();
    return { reasoning: reasoning + (last.reasoning ?? ''), content: content + (last.content ?? '') };
  }

  it('streams to the same split for any cut into deltas, tags split across deltas included', () => {
    const r = rng(5);
    const parts = [
      '<think>',
      '</think>',
      '\n',
      '\n\n',
      ' ',
      'abc',
      '<',
      '</',
      '</thi',
      'nk>',
      '你好',
      '<think',
      'x\n',
      '😀',
    ];
    const texts = [
      '<think>\nhmm\n</think>\n\nAnswer.',
      'hmm\n</think>\n\nok',
      ...Array.from({ length: 300 }, () =>
        Array.from({ length: 1 + Math.floor(r() * 10) }, () => parts[Math.floor(r() * parts.length)]).join(''),
      ),
    ];
    for (const text of texts) {
      for (const startInReasoning of [false, true]) {
        const whole = splitReasoning(text, { startInReasoning });
        const every = streamed(
          text,
          Array.from({ length: text.length }, (_, i) => i),
          startInReasoning,
        );
        const random = streamed(
          text,
          [...new Set(Array.from({ length: 3 }, () => Math.floor(r() * text.length)))].sort((a, b) => a - b),
          startInReasoning,
        );
        for (const got of [every, random]) {
          expect(got, JSON.stringify(text)).toEqual({
            reasoning: whole.reasoning_content ?? '',
            content: whole.content,
          });
        }
      }
    }
  });

  it('emits reasoning before the closing tag arrives and holds back only a possible tag', () => {
    const s = new ReasoningStream({ startInReasoning: true });
    expect(s.push('\nLet me think')).toEqual({ reasoning: 'Let me think' });
    expect(s.push('. Done.\n</th')).toEqual({ reasoning: '. Done.' });
    expect(s.push('ink>\n\nThe answer')).toEqual({ content: 'The answer' });
    expect(s.push(' is 4.')).toEqual({ content: ' is 4.' });
    expect(s.flush()).toEqual({});
    const plain = new ReasoningStream();
    expect(plain.push('Hello')).toEqual({ content: 'Hello' });
    expect(plain.push(' <think>')).toEqual({ content: ' <think>' });
  });
});
