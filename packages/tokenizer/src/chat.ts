/**
 * Chat prompts. A model's own Jinja `tokenizer.chat_template` is rendered with
 * @huggingface/jinja; without one, the DeepSeek-R1-Distill template (the text
 * in the R1-Distill-Qwen/Llama tokenizer_config.json) is reproduced in plain
 * TypeScript, quirks included, so the two render byte-identical prompts.
 *
 * Earlier turns' reasoning is left out of the history, as DeepSeek
 * recommends: `reasoning_content` is dropped and an assistant `content` keeps
 * only what follows its last `</think>` — what the R1 template itself does,
 * except on an answer right after tool outputs, which it leaves whole.
 */
import { Template } from '@huggingface/jinja';
import { RuntimeError } from '@webseek/api';

export interface ChatToolCall {
  id?: string;
  type: string;
  function: { name: string; arguments: string };
}

export interface ChatContentPart {
  type: string;
  text?: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  /** null only for an assistant turn that is just tool calls. Parts: the text ones are joined. */
  content?: string | null | readonly ChatContentPart[];
  reasoning_content?: string | null;
  tool_calls?: readonly ChatToolCall[];
  tool_call_id?: string;
  name?: string;
}

export interface ChatTemplateOptions {
  /** End with the assistant prefix the model continues from (for R1: `<｜Assistant｜><think>\n`). */
  addGenerationPrompt?: boolean;
  bosToken?: string;
  eosToken?: string;
  /** Keep reasoning_content and `…</think>` in earlier assistant turns (default false). */
  keepReasoning?: boolean;
  /** More template variables (tools, enable_thinking, …). */
  variables?: Readonly<Record<string, unknown>>;
}

const BOS = '<｜begin▁of▁sentence｜>';
const EOS = '<｜end▁of▁sentence｜>';
const USER = '<｜User｜>';
const ASSISTANT = '<｜Assistant｜>';
const CALLS_BEGIN = '<｜tool▁calls▁begin｜>';
const CALLS_END = '<｜tool▁calls▁end｜>';
const CALL_BEGIN = '<｜tool▁call▁begin｜>';
const CALL_END = '<｜tool▁call▁end｜>';
const SEP = '<｜tool▁sep｜>';
const OUTPUTS_BEGIN = '<｜tool▁outputs▁begin｜>';
const OUTPUTS_END = '<｜tool▁outputs▁end｜>';
const OUTPUT_BEGIN = '<｜tool▁output▁begin｜>';
const OUTPUT_END = '<｜tool▁output▁end｜>';
const FENCE = '```';

/**
 * tokenizer_config.json `chat_template` of deepseek-ai/DeepSeek-R1-Distill-Qwen-*
 * and -Llama-* (the revision whose generation prompt opens `<think>\n`), verbatim.
 */
export const DEEPSEEK_R1_DISTILL_TEMPLATE = [
  '{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}',
  "{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='') %}",
  "{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}",
  '{{bos_token}}{{ns.system_prompt}}',
  "{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}",
  "{%- if message['role'] == 'assistant' and message['content'] is none %}{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls']%}",
  "{%- if not ns.is_first %}{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- set ns.is_first = true -%}",
  "{%- else %}{{'\\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor %}{%- endif %}",
  "{%- if message['role'] == 'assistant' and message['content'] is not none %}{%- if ns.is_tool %}{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}{%- set ns.is_tool = false -%}",
  "{%- else %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endif %}",
  "{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}{%- if ns.is_output_first %}{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}",
  "{%- else %}{{'\\n<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}{%- endif %}{%- endfor -%}",
  "{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\\n'}}{% endif %}",
].join('');

/** The tokenizer fields a prompt needs (a Tokenizer has them all). */
export interface ChatVocab {
  chatTemplate: string | null;
  bosId: number | null;
  eosId: number | null;
  idToToken(id: number): string | undefined;
}

/** The model's template if it has one, else the built-in DeepSeek-R1-Distill one; BOS/EOS text from the vocabulary. */
export function applyChatTemplate(
  vocab: ChatVocab,
  messages: readonly ChatMessage[],
  options: ChatTemplateOptions = {},
): string {
  const tokenText = (id: number | null) => (id === null ? undefined : vocab.idToToken(id));
  const filled = {
    ...options,
    bosToken: options.bosToken ?? tokenText(vocab.bosId) ?? '',
    eosToken: options.eosToken ?? tokenText(vocab.eosId) ?? '',
  };
  return vocab.chatTemplate === null
    ? renderDeepSeekR1(messages, filled)
    : renderChatTemplate(vocab.chatTemplate, messages, filled);
}

const compiled = new Map<string, Template>();

/** Renders a Jinja chat template; a template that fails to parse or render → RuntimeError TEMPLATE. */
export function renderChatTemplate(
  template: string,
  messages: readonly ChatMessage[],
  options: ChatTemplateOptions = {},
): string {
  try {
    let t = compiled.get(template);
    if (!t) {
      t = new Template(template);
      compiled.set(template, t);
    }
    return t.render({
      ...options.variables,
      messages: chatHistory(messages, options),
      bos_token: options.bosToken ?? '',
      eos_token: options.eosToken ?? '',
      add_generation_prompt: options.addGenerationPrompt ?? false,
    });
  } catch (cause) {
    if (cause instanceof RuntimeError) throw cause;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new RuntimeError('TEMPLATE', `chat template failed: ${why}`, { cause });
  }
}

/**
 * DEEPSEEK_R1_DISTILL_TEMPLATE in TypeScript: BOS, the last system message's
 * text bare, `<｜User｜>`/`<｜Assistant｜>` turns, tool calls and outputs with
 * the template's quirks (only a second tool call closes the calls block; the
 * first-call flag is never reset), and `<｜Assistant｜><think>\n` to generate.
 */
export function renderDeepSeekR1(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
  const history = chatHistory(messages, options);
  let out = (options.bosToken ?? BOS) + (history.findLast((m) => m.role === 'system')?.content ?? '');
  let isFirst = false;
  let isTool = false;
  let isOutputFirst = true;
  history.forEach((m, index) => {
    const content = m.content;
    if (m.role === 'user') {
      isTool = false;
      out += USER + required(content, index);
    } else if (m.role === 'assistant' && content === null) {
      isTool = false;
      if (!Array.isArray(m.tool_calls))
        throw templateError(`message ${index} (assistant) has neither content nor tool_calls`);
      for (const call of m.tool_calls) {
        const body = `${CALL_BEGIN}${call.type}${SEP}${call.function.name}\n${FENCE}json\n${call.function.arguments}\n${FENCE}${CALL_END}`;
        out += isFirst ? `\n${body}${CALLS_END}${EOS}` : ASSISTANT + CALLS_BEGIN + body;
        isFirst = true;
      }
    } else if (m.role === 'assistant') {
      const text = required(content, index);
      out += isTool ? OUTPUTS_END + text + EOS : ASSISTANT + (text.split('</think>').at(-1) ?? '') + EOS;
      isTool = false;
    } else if (m.role === 'tool') {
      isTool = true;
      out += (isOutputFirst ? OUTPUTS_BEGIN : '\n') + OUTPUT_BEGIN + required(content, index) + OUTPUT_END;
      isOutputFirst = false;
    }
  });
  if (isTool) out += OUTPUTS_END;
  if (options.addGenerationPrompt && !isTool) out += `${ASSISTANT}<think>\n`;
  return out;
}

interface HistoryMessage extends Omit<ChatMessage, 'content'> {
  content: string | null;
}

/**
 * Messages as templates expect them: text parts joined, content null only on
 * an assistant turn, and (unless keepReasoning) no earlier reasoning.
 */
export function chatHistory(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): HistoryMessage[] {
  return messages.map((m, index) => {
    if (typeof m !== 'object' || m === null || typeof m.role !== 'string') {
      throw templateError(`message ${index} is not an object with a string role`);
    }
    let content = flatten(m.content, index);
    if (content === null && m.role !== 'assistant') content = '';
    if (options.keepReasoning || m.role !== 'assistant') return { ...m, content };
    const { reasoning_content: _dropped, ...rest } = m;
    return { ...rest, content: content === null ? null : (content.split('</think>').at(-1) ?? '') };
  });
}

function flatten(content: ChatMessage['content'], index: number): string | null {
  if (content === undefined || content === null) return null;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
  throw templateError(`message ${index} content is neither a string nor a list of parts`);
}

function required(content: string | null, index: number): string {
  if (content === null) throw templateError(`message ${index} has no content`);
  return content;
}

function templateError(message: string): RuntimeError {
  return new RuntimeError('TEMPLATE', `chat template: ${message}`);
}
