/**
 * Vocabularies for tokenizer tests, from the npm tokenizer.json packages:
 * Qwen3's (= Qwen2's BPE and regex), Llama 3.1's, DeepSeek-V3's; and the two
 * R1-Distill vocabularies made from them. The logic lives with the synthetic
 * model maker (@webseek/formats: synthetic/vocab.ts, synthetic-node.ts);
 * this file only keeps the names the tokenizer tests use.
 */
import { ggufTokenizerFromHf, type HfTokenizerFiles } from '@webseek/formats';
import {
  type HfVocabName,
  loadHfTokenizer,
  r1DistillLlamaTokenizer,
  r1DistillQwenTokenizer,
} from '@webseek/formats/synthetic-node';
import type { GgufTokenizerMeta } from '@webseek/tokenizer';

export { R1_BOS, R1_EOS } from '@webseek/formats';

export type VocabName = HfVocabName;
export type HfFiles = HfTokenizerFiles;

export const loadHf = loadHfTokenizer;
/** DeepSeek-R1-Distill-Qwen-*: Qwen2 BPE, ids 151643–151664 as in its tokenizer.json, BOS added by the post-processor. */
export const r1DistillQwen = r1DistillQwenTokenizer;
/** DeepSeek-R1-Distill-Llama-*: Llama 3 BPE with DeepSeek's strings in reserved slots 128000/1 and 128011–15. */
export const r1DistillLlama = r1DistillLlamaTokenizer;

/** What llama.cpp's converter writes for a gpt2-model vocabulary (the fields these tests compare). */
export function ggufMetaFromHf(files: HfFiles, pre: string, vocabSize?: number): GgufTokenizerMeta {
  const { model, tokens, tokenTypes, merges, bosId, eosId, addBos } = ggufTokenizerFromHf(files, pre, vocabSize);
  return { model, pre, tokens, tokenTypes, merges, bosId, eosId, addBos };
}
