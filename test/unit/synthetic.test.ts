/**
 * The synthetic model maker as a library: tiny qwen2/llama models in every
 * type written with writeGguf and read back (metadata, shapes, types),
 * determinism, the Q4_K_M mix against layer lists worked out by hand from
 * llama-quant.cpp's rule, the 1.5B and 8B plans against the published
 * parameter counts, the F32 twin, and the tiny vocabulary.
 */
import { createHash } from 'node:crypto';
import { isRuntimeError } from '@webseek/api';
import {
  bytesSource,
  concatBytes,
  DISTILL_SHAPES,
  dequantize,
  encodeTensorRows,
  GGUF_TOKEN_TYPE,
  type Gguf,
  makeF32Twin,
  makeSyntheticModel,
  planSyntheticModel,
  q4KmType,
  readGguf,
  type SyntheticSpec,
  tinyVocabulary,
  useMoreBits,
  writeGguf,
} from '@webseek/formats';
import { tokenizerFromGguf } from '@webseek/tokenizer';
import { describe, expect, it } from 'vitest';
import { ARCHS, TYPES, tinyDims, tinySpec } from './synthetic-cases.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const fileOf = (spec: SyntheticSpec) => concatBytes(writeGguf(makeSyntheticModel(spec)));
const FILE_TYPE = { f32: 0, f16: 1, q4_0: 2, q8_0: 7, q4_k: 14, q4_k_m: 15, q6_k: 18, bf16: 32 };

/** Layers whose attn_v / ffn_down llama.cpp makes Q6_K in Q4_K_M, worked out by hand from use_more_bits. */
const MORE_BITS: Record<number, number[]> = {
  3: [2],
  9: [0, 3, 6, 7, 8],
  28: [0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27],
  32: [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31],
};

describe.each(ARCHS)('tiny %s models', (arch) => {
  it.each(TYPES)('%s: metadata, tensor names, shapes and types read back as llama.cpp expects', async (type) => {
    const spec = tinySpec(arch, type);
    const d = tinyDims(arch, type);
    const gguf = await readGguf(bytesSource(fileOf(spec)));
    const headDim = d.headDim ?? d.nEmbd / d.nHead;
    expect(gguf.getString('general.architecture')).toBe(arch);
    expect(gguf.getU32('general.file_type')).toBe(FILE_TYPE[type]);
    expect(gguf.getU32(`${arch}.block_count`)).toBe(d.nLayer);
    expect(gguf.getU32(`${arch}.embedding_length`)).toBe(d.nEmbd);
    expect(gguf.getU32(`${arch}.feed_forward_length`)).toBe(d.nFf);
    expect(gguf.getU32(`${arch}.attention.head_count`)).toBe(d.nHead);
    expect(gguf.getU32(`${arch}.attention.head_count_kv`)).toBe(d.nKvHead);
    expect(gguf.getU32(`${arch}.context_length`)).toBe(d.ctxTrain);
    expect(gguf.getF32(`${arch}.rope.freq_base`)).toBe(d.ropeTheta);
    expect(gguf.getF32(`${arch}.attention.layer_norm_rms_epsilon`)).toBe(Math.fround(d.eps));
    expect(gguf.getU32(`${arch}.attention.key_length`, { required: false })).toBe(d.headDim);
    expect(gguf.getU32('llama.rope.dimension_count', { required: false })).toBe(arch === 'llama' ? headDim : undefined);
    expect(gguf.getString('tokenizer.ggml.model')).toBe('gpt2');
    expect(gguf.getString('tokenizer.ggml.pre')).toBe(arch === 'llama' ? 'llama-bpe' : 'deepseek-r1-qwen');
    expect(gguf.getArray('tokenizer.ggml.tokens').value).toHaveLength(d.vocab);
    expect(gguf.getString('tokenizer.chat_template')).toBe('tiny {{ messages }}');
    expect(gguf.getBool('tokenizer.ggml.add_bos_token')).toBe(true);

    const t = (name: string) => gguf.tensor(name);
    expect(t('token_embd.weight').shape).toEqual([d.nEmbd, d.vocab]);
    expect(t('blk.0.attn_q.weight').shape).toEqual([d.nEmbd, d.nHead * headDim]);
    expect(t('blk.1.attn_k.weight').shape).toEqual([d.nEmbd, d.nKvHead * headDim]);
    expect(t('blk.1.attn_output.weight').shape).toEqual([d.nHead * headDim, d.nEmbd]);
    expect(t('blk.0.ffn_down.weight').shape).toEqual([d.nFf, d.nEmbd]);
    expect(t('blk.0.ffn_gate.weight').shape).toEqual([d.nEmbd, d.nFf]);
    expect(t('output_norm.weight').shape).toEqual([d.nEmbd]);
    const names = gguf.tensors.map((x) => x.name);
    expect(names.includes('output.weight')).toBe(!d.tiedOutput);
    expect(names.includes('blk.0.attn_q.bias')).toBe(arch === 'qwen2');
    expect(names.includes('rope_freqs.weight')).toBe(d.ropeScaling !== undefined);
    const perLayer = arch === 'qwen2' ? 12 : 9;
    expect(gguf.tensors).toHaveLength(1 + perLayer * d.nLayer + 1 + (d.tiedOutput ? 0 : 1) + (d.ropeScaling ? 1 : 0));

    for (const x of gguf.tensors) {
      if (x.shape.length === 1) expect([x.name, x.typeName]).toEqual([x.name, 'f32']);
      else expect([x.name, x.typeName]).toEqual([x.name, expectedType(type, x.name, d.nLayer, d.tiedOutput)]);
    }
  });

  it('is deterministic: the same spec gives the same bytes, another seed different weights only', () => {
    const spec = tinySpec(arch, 'q4_0');
    const a = fileOf(spec);
    expect(sha256(fileOf(spec))).toBe(sha256(a));
    const b = fileOf({ ...spec, seed: 2 });
    expect(b.byteLength).toBe(a.byteLength);
    expect(sha256(b)).not.toBe(sha256(a));
  });
});

/** The type each 2-D tensor should have, from the hand-made MORE_BITS lists (q4_k_m) or the spec's type. */
function expectedType(type: string, name: string, nLayer: number, tied: boolean): string {
  if (type !== 'q4_k_m') return type;
  if (name === 'output.weight' || (tied && name === 'token_embd.weight')) return 'q6_k';
  const layer = Number(/^blk\.(\d+)\./.exec(name)?.[1] ?? -1);
  const sensitive = name.endsWith('attn_v.weight') || name.endsWith('ffn_down.weight');
  return sensitive && MORE_BITS[nLayer]!.includes(layer) ? 'q6_k' : 'q4_k';
}

describe('the Q4_K_M mix (llama-quant.cpp, LLAMA_FTYPE_MOSTLY_Q4_K_M)', () => {
  it.each(Object.entries(MORE_BITS))('use_more_bits picks the hand-derived layers of a %s-layer model', (n, layers) => {
    const picked = Array.from({ length: Number(n) }, (_, i) => i).filter((i) => useMoreBits(i, Number(n)));
    expect(picked).toEqual(layers);
  });

  it('puts Q6_K on output, attn_v and ffn_down of those layers, Q4_K elsewhere, and falls back like llama.cpp', () => {
    const ctx = { arch: 'qwen2' as const, nLayer: 28, nHead: 12, nKvHead: 2, tiedOutput: false };
    expect(q4KmType('output', -1, 1536, ctx)).toBe('q6_k');
    expect(q4KmType('token_embd', -1, 1536, ctx)).toBe('q4_k');
    expect(q4KmType('token_embd', -1, 1536, { ...ctx, tiedOutput: true })).toBe('q6_k');
    expect(q4KmType('attn_v', 5, 1536, ctx)).toBe('q6_k');
    expect(q4KmType('attn_v', 6, 1536, ctx)).toBe('q4_k');
    expect(q4KmType('ffn_down', 27, 8960, ctx)).toBe('q6_k');
    expect(q4KmType('attn_q', 0, 1536, ctx)).toBe('q4_k');
    expect(q4KmType('ffn_up', 0, 1536, ctx)).toBe('q4_k');
    // Rows not a multiple of 256: output → Q8_0 (tensor_type_fallback of Q6_K), the rest → Q5_0.
    expect(q4KmType('output', -1, 96, ctx)).toBe('q8_0');
    expect(q4KmType('attn_q', 0, 96, ctx)).toBe('q5_0');
    // LLM_TYPE_70B: 80 layers with grouped KV bump attn_v from Q4_K to Q5_K.
    const big = { arch: 'llama' as const, nLayer: 80, nHead: 64, nKvHead: 8, tiedOutput: false };
    expect(q4KmType('attn_v', 10, 8192, big)).toBe('q5_k');
    expect(q4KmType('attn_v', 0, 8192, big)).toBe('q6_k');
    expect(q4KmType('attn_v', 10, 8192, { ...big, nKvHead: 64 })).toBe('q4_k');
  });

  it('plans the 70B mix but refuses to quantize its Q5_K tensors (UNSUPPORTED_QUANT)', () => {
    const plan = planSyntheticModel({
      arch: 'llama',
      shape: 'DeepSeek-R1-Distill-Llama-70B',
      type: 'q4_k_m',
      seed: 1,
      vocabulary: 'tiny',
    });
    const v = plan.tensors.find((t) => t.name === 'blk.10.attn_v.weight')!;
    expect([v.type, v.bytes]).toEqual(['q5_k', (8192 * 1024 * 176) / 256]);
    const tiny = { ...v, shape: [256, 1] };
    expect(() => encodeTensorRows(tiny, 1, 0, 1)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_QUANT' }));
  });
});

describe('shape-exact plans (nothing quantized)', () => {
  const q4k = (n: number) => (n / 256) * 144;
  const q6k = (n: number) => (n / 256) * 210;

  it('DeepSeek-R1-Distill-Qwen-1.5B q4_k_m: 1,777,088,000 parameters, every tensor shape, type and byte size', () => {
    const plan = planSyntheticModel({
      arch: 'qwen2',
      shape: 'DeepSeek-R1-Distill-Qwen-1.5B',
      type: 'q4_k_m',
      seed: 1,
      vocabulary: 'tiny',
    });
    const count = (s: number[]) => s.reduce((a, b) => a * b, 1);
    expect(plan.tensors.reduce((n, t) => n + count(t.shape), 0)).toBe(1_777_088_000);
    expect(plan.tensors).toHaveLength(1 + 28 * 12 + 2);
    const byName = new Map(plan.tensors.map((t) => [t.name, t]));
    const expectTensor = (name: string, shape: number[], type: string, bytes: number) =>
      expect(byName.get(name), name).toMatchObject({ shape, type, bytes });
    expectTensor('token_embd.weight', [1536, 151936], 'q4_k', q4k(1536 * 151936));
    expectTensor('output.weight', [1536, 151936], 'q6_k', q6k(1536 * 151936));
    expectTensor('output_norm.weight', [1536], 'f32', 1536 * 4);
    let expected = q4k(1536 * 151936) + q6k(1536 * 151936) + 1536 * 4;
    for (let l = 0; l < 28; l++) {
      const more = MORE_BITS[28]!.includes(l);
      const kv = more ? q6k : q4k;
      expectTensor(`blk.${l}.attn_norm.weight`, [1536], 'f32', 1536 * 4);
      expectTensor(`blk.${l}.attn_q.weight`, [1536, 1536], 'q4_k', q4k(1536 * 1536));
      expectTensor(`blk.${l}.attn_q.bias`, [1536], 'f32', 1536 * 4);
      expectTensor(`blk.${l}.attn_k.weight`, [1536, 256], 'q4_k', q4k(1536 * 256));
      expectTensor(`blk.${l}.attn_k.bias`, [256], 'f32', 256 * 4);
      expectTensor(`blk.${l}.attn_v.weight`, [1536, 256], more ? 'q6_k' : 'q4_k', kv(1536 * 256));
      expectTensor(`blk.${l}.attn_v.bias`, [256], 'f32', 256 * 4);
      expectTensor(`blk.${l}.attn_output.weight`, [1536, 1536], 'q4_k', q4k(1536 * 1536));
      expectTensor(`blk.${l}.ffn_norm.weight`, [1536], 'f32', 1536 * 4);
      expectTensor(`blk.${l}.ffn_gate.weight`, [1536, 8960], 'q4_k', q4k(1536 * 8960));
      expectTensor(`blk.${l}.ffn_up.weight`, [1536, 8960], 'q4_k', q4k(1536 * 8960));
      expectTensor(`blk.${l}.ffn_down.weight`, [8960, 1536], more ? 'q6_k' : 'q4_k', kv(8960 * 1536));
      expected += 2 * q4k(1536 * 1536) + q4k(1536 * 256) + kv(1536 * 256) + 2 * 1536 * 4 + 2 * 256 * 4;
      expected += 2 * q4k(1536 * 8960) + kv(8960 * 1536) + 1536 * 4;
    }
    expect(plan.tensorBytes).toBe(expected);
    expect(plan.metadata.find(([k]) => k === 'general.file_type')?.[1]).toEqual({ type: 'u32', value: 15 });
  });

  it('DeepSeek-R1-Distill-Llama-8B f16: 8,030,261,248 parameters + the 64 llama3 rope factors', () => {
    const plan = planSyntheticModel({
      arch: 'llama',
      shape: 'DeepSeek-R1-Distill-Llama-8B',
      type: 'f16',
      seed: 1,
      vocabulary: 'tiny',
    });
    const params = plan.tensors.filter((t) => t.name !== 'rope_freqs.weight');
    expect(params.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0)).toBe(8_030_261_248);
    const rope = plan.tensors[0]!;
    expect([rope.name, rope.shape, rope.type]).toEqual(['rope_freqs.weight', [64], 'f32']);
    const factors = (rope.init as { values: Float32Array }).values;
    // Short wavelengths untouched, long ones divided by 8, a monotone blend between.
    expect([factors[0], factors[63]]).toEqual([1, 8]);
    for (let i = 1; i < 64; i++) expect(factors[i]!).toBeGreaterThanOrEqual(factors[i - 1]!);
    expect(factors.filter((f) => f > 1 && f < 8).length).toBeGreaterThan(0);
    expect(DISTILL_SHAPES['DeepSeek-R1-Distill-Llama-8B'].arch).toBe('llama');
  });

  it('names the problem when a shape does not fit a type or an arch', () => {
    const bad = (spec: SyntheticSpec) => {
      try {
        planSyntheticModel(spec);
      } catch (e) {
        return isRuntimeError(e, 'INVALID_ARGUMENT') ? e.message : `wrong error ${e}`;
      }
      return 'no error';
    };
    expect(bad({ ...tinySpec('qwen2', 'q4_0'), type: 'q4_k' })).toMatch(/not a multiple of the q4_k block of 256/);
    expect(bad({ ...tinySpec('qwen2', 'f32'), shape: 'DeepSeek-R1-Distill-Llama-8B' })).toMatch(/is a llama model/);
    expect(bad({ ...tinySpec('qwen2', 'f32'), shape: { ...tinyDims('qwen2', 'f32'), nKvHead: 2 } })).toMatch(
      /multiple of nKvHead/,
    );
    expect(bad({ ...tinySpec('qwen2', 'f32'), shape: { ...tinyDims('llama', 'q4_k'), qkvBias: true } })).toMatch(
      /only read by llama.cpp's llama/,
    );
    expect(bad({ ...tinySpec('qwen2', 'f32'), shape: { ...tinyDims('qwen2', 'f32'), vocab: 100 } })).toMatch(
      /at least 262 ids/,
    );
  });
});

describe('weights', () => {
  const model = makeSyntheticModel(tinySpec('qwen2', 'f32'));
  const values = (name: string) => {
    const t = model.tensors.find((x) => x.name === name)!;
    return new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
  };
  const stats = (v: Float32Array) => {
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) };
  };

  it('have the planned scales: embeddings N(0,1), matrices 1/sqrt(fan_in), norms near 1, output outputScale/sqrt(nEmbd)', () => {
    const close = (s: { mean: number; std: number }, mean: number, std: number) => {
      expect(Math.abs(s.mean - mean)).toBeLessThan(0.05 * Math.max(std, 0.2) + 0.02);
      expect(Math.abs(s.std / std - 1)).toBeLessThan(0.06);
    };
    close(stats(values('token_embd.weight')), 0, 1);
    close(stats(values('blk.0.ffn_down.weight')), 0, 1 / Math.sqrt(72));
    close(stats(values('blk.1.attn_q.weight')), 0, 1 / Math.sqrt(40));
    close(stats(values('output.weight')), 0, 4 / Math.sqrt(40));
    const norms = [
      ...values('blk.0.attn_norm.weight'),
      ...values('blk.1.ffn_norm.weight'),
      ...values('output_norm.weight'),
    ];
    expect(Math.abs(stats(Float32Array.from(norms)).mean - 1)).toBeLessThan(0.1);
    const scaled = makeSyntheticModel({ ...tinySpec('qwen2', 'f32'), outputScale: 10 });
    const out = scaled.tensors.find((x) => x.name === 'output.weight')!;
    close(
      stats(new Float32Array(out.data.buffer, out.data.byteOffset, out.data.byteLength / 4)),
      0,
      10 / Math.sqrt(40),
    );
  });

  it('differ between tensors of the same shape (the name seeds the stream)', () => {
    expect(values('blk.0.attn_q.weight')).not.toEqual(values('blk.1.attn_q.weight'));
  });
});

describe('the F32 twin', () => {
  it.each(['q4_k_m', 'q4_0', 'bf16'] as const)('%s: every tensor F32 holding the dequantized values', async (type) => {
    const model = makeSyntheticModel(tinySpec('llama', type));
    const twin = makeF32Twin(model);
    const gguf: Gguf = await readGguf(bytesSource(concatBytes(writeGguf(twin))));
    expect(gguf.getU32('general.file_type')).toBe(0);
    for (const t of model.tensors) {
      const count = t.shape.reduce((a, b) => a * b, 1);
      const raw = await gguf.readTensor(t.name);
      expect(gguf.tensor(t.name).typeName).toBe('f32');
      const want = new Uint8Array(dequantize(t.type as 'f32', t.data, count).buffer);
      expect(Buffer.compare(raw, want), t.name).toBe(0);
    }
    // The quantized weights really are quantized: a Q4 block has at most 16 distinct values.
    const q = twin.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!;
    const block = new Float32Array(q.data.buffer, q.data.byteOffset, 32);
    if (type !== 'bf16') expect(new Set(block).size).toBeLessThanOrEqual(16);
  });
});

describe('the tiny vocabulary', () => {
  const vocab = tinyVocabulary(701, 'qwen2');

  it('has the 256 byte tokens, learned merges, DeepSeek tokens and UNUSED padding to the vocab size', () => {
    expect(vocab.tokens).toHaveLength(701);
    expect([vocab.tokens[32], vocab.tokens[65], vocab.tokens[10]]).toEqual(['Ġ', 'A', 'Ċ']);
    expect(vocab.tokens.slice(0, 256).every((t) => [...t].length === 1)).toBe(true);
    expect(new Set(vocab.tokens.slice(0, 256)).size).toBe(256);
    expect(vocab.merges).toHaveLength(320);
    expect(vocab.tokens[vocab.bosId!]).toBe('<｜begin▁of▁sentence｜>');
    expect(vocab.tokens[vocab.eosId!]).toBe('<｜end▁of▁sentence｜>');
    expect(vocab.padId).toBe(vocab.eosId);
    const typeOf = (token: string) => vocab.tokenTypes[vocab.tokens.indexOf(token)];
    expect(typeOf('<｜User｜>')).toBe(GGUF_TOKEN_TYPE.CONTROL);
    expect(typeOf('<think>')).toBe(GGUF_TOKEN_TYPE.USER_DEFINED);
    expect(vocab.tokens[700]).toBe('[PAD700]');
    expect(vocab.tokenTypes[700]).toBe(GGUF_TOKEN_TYPE.UNUSED);
    expect(tinyVocabulary(270, 'qwen2').merges).toHaveLength(8);
  });

  it('tokenizes with @webseek/tokenizer: merges apply, text round-trips, chat tokens are single ids', () => {
    const tok = tokenizerFromGguf(vocab);
    const text = 'The quick brown fox thinks: 2 + 2 = 4. Ünïcödé ✓';
    const ids = tok.encode(text);
    expect(ids.length).toBeLessThan(new TextEncoder().encode(text).length);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.encode('<｜User｜>hi<think>').slice(0, 1)).toEqual([vocab.tokens.indexOf('<｜User｜>')]);
  });
});
