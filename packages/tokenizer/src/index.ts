export type { ChatContentPart, ChatMessage, ChatTemplateOptions, ChatToolCall, ChatVocab } from './chat.ts';
export {
  applyChatTemplate,
  chatHistory,
  DEEPSEEK_R1_DISTILL_TEMPLATE,
  renderChatTemplate,
  renderDeepSeekR1,
} from './chat.ts';
export type { GgufTokenizerMeta } from './gguf.ts';
export { ggufTokenizerMeta, tokenizerFromGguf } from './gguf.ts';
export { hfVocabSpec, tokenizerFromHf } from './hf.ts';
export { PRE_PATTERNS, PreTokenizer } from './pretokenize.ts';
export type { ReasoningDelta, ReasoningOptions, ReasoningSplit } from './reasoning.ts';
export { promptOpensReasoning, ReasoningStream, splitReasoning } from './reasoning.ts';
export type { StreamDecoderOptions } from './stream.ts';
export { StreamDecoder } from './stream.ts';
export type { DecodeOptions, EncodeOptions, VocabSpec } from './tokenizer.ts';
export { TOKEN_TYPE, Tokenizer } from './tokenizer.ts';
