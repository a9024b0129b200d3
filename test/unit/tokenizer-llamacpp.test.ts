/**
 * Our GGUF-built tokenizer against llama.cpp's (through node-llama-cpp) on the
 * same vocabulary: the R1-Distill vocabularies are written into vocab-only
 * GGUF files with our writer, loaded by llama.cpp with vocabOnly, and the
 * whole corpus is tokenized (special tokens parsed) and detokenized by both.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatBytes, type GgufValueInput, writeGguf } from '@webseek/formats';
import { type GgufTokenizerMeta, tokenizerFromGguf } from '@webseek/tokenizer';
import { getLlama, type Llama, LlamaLogLevel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenizerCorpus } from './tokenizer-corpus.ts';
import { ggufMetaFromHf, r1DistillLlama, r1DistillQwen } from './tokenizer-fixtures.ts';

const corpus = tokenizerCorpus();
let llama: Llama;
let dir: string;

beforeAll(async () => {
  llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.disabled });
  dir = mkdtempSync(join(tmpdir(), 'webseek-vocab-'));
});

afterAll(async () => {
  await llama?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A GGUF with hyperparameters and the tokenizer but no tensors: enough for llama.cpp's vocab-only load. */
function vocabGguf(arch: string, meta: GgufTokenizerMeta): Uint8Array {
  const u32 = (value: number): GgufValueInput => ({ type: 'u32', value });
  return concatBytes(
    writeGguf({
      metadata: [
        ['general.architecture', { type: 'string', value: arch }],
        [`${arch}.context_length`, u32(4096)],
        [`${arch}.embedding_length`, u32(64)],
        [`${arch}.block_count`, u32(1)],
        [`${arch}.feed_forward_length`, u32(128)],
        [`${arch}.attention.head_count`, u32(4)],
        [`${arch}.attention.head_count_kv`, u32(2)],
        [`${arch}.attention.layer_norm_rms_epsilon`, { type: 'f32', value: 1e-6 }],
        ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
        ['tokenizer.ggml.pre', { type: 'string', value: meta.pre }],
        ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: meta.tokens }],
        ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: meta.tokenTypes! }],
        ['tokenizer.ggml.merges', { type: 'array', itemType: 'string', value: meta.merges }],
        ['tokenizer.ggml.bos_token_id', u32(meta.bosId!)],
        ['tokenizer.ggml.eos_token_id', u32(meta.eosId!)],
        ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
      ],
    }),
  );
}

describe.each([
  { name: 'R1-Distill-Qwen', arch: 'qwen2', pre: 'deepseek-r1-qwen', files: r1DistillQwen, size: 151936, clean: false },
  // llama.cpp's llama_detokenize "cleans" Llama 3 text (" 's" → "'s", " ?" → "?"), as HF's
  // clean_up_tokenization_spaces does; our decode is exact, so only ids are compared there.
  { name: 'R1-Distill-Llama', arch: 'llama', pre: 'llama-bpe', files: r1DistillLlama, size: 128256, clean: true },
])('parity with llama.cpp on a GGUF vocabulary: $name', ({ arch, pre, files, size, clean }) => {
  it(`tokenizes all ${corpus.length} corpus strings the same (and detokenizes, unless llama.cpp cleans spaces)`, async () => {
    const meta = ggufMetaFromHf(files(), pre, size);
    const path = join(dir, `${pre}.gguf`);
    writeFileSync(path, vocabGguf(arch, meta));
    const ours = tokenizerFromGguf(meta);
    const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
    try {
      expect(model.tokens.bos).toBe(ours.bosId);
      const bad: string[] = [];
      for (const { kind, text } of corpus) {
        const theirs = Array.from(model.tokenize(text, true), Number);
        const mine = ours.encode(text);
        if (theirs.join() !== mine.join())
          bad.push(`${kind} ${JSON.stringify(text).slice(0, 80)}\n  ours ${mine}\n  llama ${theirs}`);
        else if (!clean && model.detokenize(model.tokenize(text, true), true) !== ours.decode(mine)) {
          bad.push(`decode ${JSON.stringify(text)}`);
        }
      }
      expect(bad.slice(0, 5)).toEqual([]);
    } finally {
      await model.dispose();
    }
  });
});
