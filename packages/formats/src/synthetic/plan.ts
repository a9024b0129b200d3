/**
 * The plan of a synthetic model: every tensor's name, GGUF shape (ne0 first),
 * ggml type, byte size and how its values are made, plus the metadata — all
 * without making a single weight, so a 70B header or memory estimate is instant.
 */
import { ggmlLayout, ggmlLayoutId } from '../gguf/layout.ts';
import type { GgufValueInput } from '../gguf/value.ts';
import { type MixContext, tensorType } from './quant-mix.ts';
import { bad, type ResolvedDims, resolveDims, type SyntheticSpec } from './spec.ts';
import { padVocabulary, type SyntheticVocabulary } from './vocab.ts';
import { tinyVocabulary } from './vocab-tiny.ts';

/** How a tensor's f32 values are made before encoding. */
export type TensorInit =
  /** Value i = mean + std·g(seed, name, i), g ≈ N(0, 1) (random.ts). */
  | { kind: 'gaussian'; mean: number; std: number }
  /** Fixed values (rope_freqs.weight). */
  | { kind: 'values'; values: Float32Array };

export interface PlannedTensor {
  name: string;
  /** GGUF dims, ne0 (row length) first. */
  shape: number[];
  /** ggml type name ('f32', 'q4_k', …; 'q5_k'/'q5_0' only in plans of mixes formats cannot quantize). */
  type: string;
  /** Bytes the data takes in the file (before alignment padding). */
  bytes: number;
  init: TensorInit;
}

export interface SyntheticPlan {
  spec: SyntheticSpec;
  dims: ResolvedDims;
  /** general.file_type (llama_ftype). */
  fileType: number;
  metadata: [key: string, value: GgufValueInput][];
  tensors: PlannedTensor[];
  /** Sum of tensor bytes (without alignment padding). */
  tensorBytes: number;
}

/** llama_ftype values llama.cpp writes as general.file_type (pure q4_k files are called Q4_K_S). */
export const FILE_TYPES = { f32: 0, f16: 1, q4_0: 2, q8_0: 7, q4_k: 14, q4_k_m: 15, q6_k: 18, bf16: 32 } as const;

export const DEFAULT_OUTPUT_SCALE = 4;

/** Lists tensors (types, byte sizes, inits) and metadata for `spec`; quantizes nothing. */
export function planSyntheticModel(spec: SyntheticSpec): SyntheticPlan {
  const dims = resolveDims(spec);
  const ctx: MixContext = { arch: spec.arch, ...dims };
  const tensors = tensorList(spec, dims).map(({ name, shape, layer, init }): PlannedTensor => {
    const type = tensorType(spec.type, name, shape.length, shape[0]!, layer, ctx);
    return { name, shape, type, bytes: tensorBytes(name, type, shape), init };
  });
  const fileType = FILE_TYPES[spec.type];
  const metadata = syntheticMetadata(spec, dims, fileType);
  return { spec, dims, fileType, metadata, tensors, tensorBytes: tensors.reduce((n, t) => n + t.bytes, 0) };
}

function tensorBytes(name: string, type: string, shape: number[]): number {
  const layout = ggmlLayout(ggmlLayoutId(type)!)!;
  if (shape[0]! % layout.blockValues !== 0) {
    bad(`${name} has rows of ${shape[0]} values, not a multiple of the ${type} block of ${layout.blockValues}`, {
      tensor: name,
      type,
      ne0: shape[0],
    });
  }
  return (shape.reduce((a, b) => a * b, 1) / layout.blockValues) * layout.blockBytes;
}

interface TensorSketch {
  name: string;
  shape: number[];
  layer: number;
  init: TensorInit;
}

/** llama.cpp's tensor names for qwen2/llama, in the order the converter writes them (rope_freqs first). */
function tensorList(spec: SyntheticSpec, d: ResolvedDims): TensorSketch[] {
  const gauss = (std: number, mean = 0): TensorInit => ({ kind: 'gaussian', mean, std });
  const norm = gauss(0.2, 1);
  const bias = gauss(0.5);
  const matrix = (name: string, ne0: number, ne1: number, layer = -1): TensorSketch => ({
    name,
    shape: [ne0, ne1],
    layer,
    init: gauss(1 / Math.sqrt(ne0)),
  });
  const vec = (name: string, n: number, init: TensorInit, layer = -1): TensorSketch => ({
    name,
    shape: [n],
    layer,
    init,
  });
  const outputStd = (spec.outputScale ?? DEFAULT_OUTPUT_SCALE) / Math.sqrt(d.nEmbd);
  const qDim = d.nHead * d.headDim;
  const kvDim = d.nKvHead * d.headDim;
  const list: TensorSketch[] = [];
  if (d.ropeScaling) {
    list.push(vec('rope_freqs.weight', d.headDim / 2, { kind: 'values', values: llama3RopeFactors(d) }));
  }
  // Tied: the embedding is also the output matrix, so it takes the output's scale.
  list.push({ ...matrix('token_embd.weight', d.nEmbd, d.vocab), init: gauss(d.tiedOutput ? outputStd : 1) });
  for (let l = 0; l < d.nLayer; l++) {
    const b = `blk.${l}`;
    list.push(vec(`${b}.attn_norm.weight`, d.nEmbd, norm, l));
    list.push(matrix(`${b}.attn_q.weight`, d.nEmbd, qDim, l));
    if (d.qkvBias) list.push(vec(`${b}.attn_q.bias`, qDim, bias, l));
    list.push(matrix(`${b}.attn_k.weight`, d.nEmbd, kvDim, l));
    if (d.qkvBias) list.push(vec(`${b}.attn_k.bias`, kvDim, bias, l));
    list.push(matrix(`${b}.attn_v.weight`, d.nEmbd, kvDim, l));
    if (d.qkvBias) list.push(vec(`${b}.attn_v.bias`, kvDim, bias, l));
    list.push(matrix(`${b}.attn_output.weight`, qDim, d.nEmbd, l));
    list.push(vec(`${b}.ffn_norm.weight`, d.nEmbd, norm, l));
    list.push(matrix(`${b}.ffn_gate.weight`, d.nEmbd, d.nFf, l));
    list.push(matrix(`${b}.ffn_up.weight`, d.nEmbd, d.nFf, l));
    list.push(matrix(`${b}.ffn_down.weight`, d.nFf, d.nEmbd, l));
  }
  list.push(vec('output_norm.weight', d.nEmbd, norm));
  if (!d.tiedOutput) list.push({ ...matrix('output.weight', d.nEmbd, d.vocab), init: gauss(outputStd) });
  return list;
}

/**
 * rope_freqs.weight as convert_hf_to_gguf.py's LlamaModel writes it for
 * rope_type "llama3": per frequency pair, 1 (short wavelengths), `factor`
 * (long ones) or the smooth blend between — a divisor of each frequency.
 * float32 steps as torch takes them (`number / tensor` is reciprocal·number).
 */
export function llama3RopeFactors(d: ResolvedDims): Float32Array {
  const s = d.ropeScaling!;
  const fr = Math.fround;
  const lowWavelen = s.originalContext / s.lowFreqFactor;
  const highWavelen = s.originalContext / s.highFreqFactor;
  const out = new Float32Array(d.headDim / 2);
  for (let i = 0; i < out.length; i++) {
    const freq = fr(1 / fr(fr(d.ropeTheta) ** fr(fr(2 * i) / d.headDim)));
    const wavelen = fr(fr(1 / freq) * fr(2 * Math.PI));
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = s.factor;
    else {
      const smooth = fr(
        fr(fr(fr(1 / wavelen) * s.originalContext) - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor),
      );
      out[i] = 1 / fr(fr(fr(1 - smooth) / s.factor) + smooth);
    }
  }
  return out;
}

// ---- metadata --------------------------------------------------------------

const str = (value: string): GgufValueInput => ({ type: 'string', value });
const u32 = (value: number): GgufValueInput => ({ type: 'u32', value });
const f32 = (value: number): GgufValueInput => ({ type: 'f32', value });
const bool = (value: boolean): GgufValueInput => ({ type: 'bool', value });

/** The keys llama.cpp's converter (and llama-quantize) write for these architectures, in their order. */
function syntheticMetadata(spec: SyntheticSpec, d: ResolvedDims, fileType: number): [string, GgufValueInput][] {
  const a = spec.arch;
  const shapeName = typeof spec.shape === 'string' ? spec.shape : `${a}-${d.nLayer}x${d.nEmbd}`;
  const m: [string, GgufValueInput][] = [
    ['general.architecture', str(a)],
    ['general.type', str('model')],
    ['general.name', str(spec.name ?? `synthetic ${shapeName} ${spec.type} seed ${spec.seed}`)],
    [`${a}.block_count`, u32(d.nLayer)],
    [`${a}.context_length`, u32(d.ctxTrain)],
    [`${a}.embedding_length`, u32(d.nEmbd)],
    [`${a}.feed_forward_length`, u32(d.nFf)],
    [`${a}.attention.head_count`, u32(d.nHead)],
    [`${a}.attention.head_count_kv`, u32(d.nKvHead)],
    [`${a}.rope.freq_base`, f32(d.ropeTheta)],
    [`${a}.attention.layer_norm_rms_epsilon`, f32(d.eps)],
  ];
  // The converter writes key/value length only when config.json has head_dim.
  if (d.headDimGiven)
    m.push([`${a}.attention.key_length`, u32(d.headDim)], [`${a}.attention.value_length`, u32(d.headDim)]);
  m.push(['general.file_type', u32(fileType)]);
  if (a === 'llama') m.push(['llama.vocab_size', u32(d.vocab)], ['llama.rope.dimension_count', u32(d.headDim)]);
  m.push(...tokenizerMetadata(vocabularyOf(spec, d)));
  if (spec.chatTemplate !== undefined) m.push(['tokenizer.chat_template', str(spec.chatTemplate)]);
  m.push(['general.quantization_version', u32(2)]);
  return m;
}

/** The spec's vocabulary, padded to the model's vocab size. */
export function vocabularyOf(spec: SyntheticSpec, d: ResolvedDims): SyntheticVocabulary {
  if (spec.vocabulary === 'tiny')
    return tinyVocabulary(d.vocab, spec.arch === 'llama' ? 'llama-bpe' : 'deepseek-r1-qwen');
  return padVocabulary(spec.vocabulary, d.vocab);
}

function tokenizerMetadata(v: SyntheticVocabulary): [string, GgufValueInput][] {
  const m: [string, GgufValueInput][] = [
    ['tokenizer.ggml.model', str(v.model)],
    ['tokenizer.ggml.pre', str(v.pre)],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: v.tokens }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: v.tokenTypes }],
    ['tokenizer.ggml.merges', { type: 'array', itemType: 'string', value: v.merges }],
  ];
  if (v.bosId !== null) m.push(['tokenizer.ggml.bos_token_id', u32(v.bosId)]);
  if (v.eosId !== null) m.push(['tokenizer.ggml.eos_token_id', u32(v.eosId)]);
  if (v.padId !== null) m.push(['tokenizer.ggml.padding_token_id', u32(v.padId)]);
  m.push(['tokenizer.ggml.add_bos_token', bool(v.addBos)], ['tokenizer.ggml.add_eos_token', bool(v.addEos)]);
  return m;
}
