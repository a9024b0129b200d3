/**
 * Prompt text → token ids, as llama.cpp does it: a raw prompt gets BOS when
 * the vocabulary's add_bos says so; a chat is rendered by the model's template
 * (which writes BOS as text) with the generation prompt. Special-token strings
 * in either are matched as special tokens.
 */
import { RuntimeError } from '@webseek/api';
import { applyChatTemplate, type ChatMessage, promptOpensReasoning, type Tokenizer } from '@webseek/tokenizer';

export interface Prompt {
  ids: number[];
  /** The prompt leaves the model inside a `<think>` block (R1 chat templates end with `<think>\n`). */
  opensReasoning: boolean;
}

export function rawPrompt(tokenizer: Tokenizer, text: string): Prompt {
  return { ids: withBos(tokenizer, tokenizer.encode(text)), opensReasoning: promptOpensReasoning(text) };
}

export function chatPrompt(tokenizer: Tokenizer, messages: readonly ChatMessage[]): Prompt {
  const text = applyChatTemplate(tokenizer, messages, { addGenerationPrompt: true });
  // Templates write BOS as text; one without it (Qwen's) still gets the BOS the vocabulary asks for.
  return { ids: withBos(tokenizer, tokenizer.encode(text)), opensReasoning: promptOpensReasoning(text) };
}

function withBos(tokenizer: Tokenizer, ids: number[]): number[] {
  const bos = tokenizer.bosId;
  return tokenizer.addBos && bos !== null && ids[0] !== bos ? [bos, ...ids] : ids;
}

/** An OpenAI-style messages array, or a request body `{messages: [...]}`. */
export function chatMessages(json: unknown, path: string): ChatMessage[] {
  const list = Array.isArray(json) ? json : (json as { messages?: unknown } | null)?.messages;
  const bad = (why: string) =>
    new RuntimeError('INVALID_ARGUMENT', `--chat ${path}: ${why}`, { details: { flag: 'chat', path } });
  if (!Array.isArray(list)) throw bad('expected a JSON array of messages, or an object with a "messages" array');
  if (list.length === 0) throw bad('the messages array is empty');
  list.forEach((m, i) => {
    if (typeof m !== 'object' || m === null || typeof (m as ChatMessage).role !== 'string') {
      throw bad(`message ${i} is not an object with a string "role"`);
    }
  });
  return list as ChatMessage[];
}
