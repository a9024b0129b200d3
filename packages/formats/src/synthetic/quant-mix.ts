/**
 * Which ggml type each tensor gets: 1-D tensors F32; 2-D weights the spec's
 * type, or for q4_k_m the type llama.cpp's src/llama-quant.cpp
 * (llama_tensor_get_type_impl, no imatrix, no overrides) picks for
 * LLAMA_FTYPE_MOSTLY_Q4_K_M on a dense qwen2/llama model.
 */
import type { SyntheticArch, SyntheticType } from './spec.ts';

/** llama-quant.cpp's tensor_category, for the tensors these architectures have. */
export type TensorCategory =
  | 'token_embd'
  | 'output'
  | 'attn_q'
  | 'attn_k'
  | 'attn_v'
  | 'attn_output'
  | 'ffn_gate'
  | 'ffn_up'
  | 'ffn_down'
  | 'other';

/** tensor_get_category: the same substring tests, in the same order. */
export function tensorCategory(name: string): TensorCategory {
  if (name === 'output.weight') return 'output';
  if (name === 'token_embd.weight') return 'token_embd';
  for (const c of ['attn_v', 'attn_k', 'attn_q', 'attn_output'] as const) if (name.includes(`${c}.weight`)) return c;
  for (const c of ['ffn_up', 'ffn_gate', 'ffn_down'] as const) if (name.includes(c)) return c;
  return 'other';
}

/**
 * use_more_bits: the first and last eighth of the layers and every third layer
 * in between (C integer division and remainder).
 */
export function useMoreBits(layer: number, nLayer: number): boolean {
  const eighth = Math.trunc(nLayer / 8);
  return layer < eighth || layer >= Math.trunc((7 * nLayer) / 8) || (layer - eighth) % 3 === 2;
}

export interface MixContext {
  arch: SyntheticArch;
  nLayer: number;
  nHead: number;
  nKvHead: number;
  /** No output.weight: token_embd then gets the output tensor's type. */
  tiedOutput: boolean;
}

/**
 * The Q4_K_M type of a 2-D weight: Q6_K for output.weight (token_embd when
 * tied) and for attn_v / ffn_down in layers useMoreBits picks; Q4_K elsewhere
 * (untied token_embd included); Q5_K for the other attn_v of a 70B model
 * (llama.cpp's LLM_TYPE_70B: 80 layers, grouped KV). Then tensor_type_fallback:
 * rows not a multiple of 256 take Q8_0 (from Q6_K) or Q5_0 (from Q4_K).
 * Returns a ggml type name ('q5_k' and 'q5_0' are planned but cannot be quantized here).
 */
export function q4KmType(category: TensorCategory, layer: number, ne0: number, ctx: MixContext): string {
  let type = 'q4_k';
  if (category === 'output' || (ctx.tiedOutput && category === 'token_embd')) {
    type = ne0 % 256 !== 0 ? 'q8_0' : 'q6_k';
  } else if (category === 'attn_v') {
    if (useMoreBits(layer, ctx.nLayer)) type = 'q6_k';
    else if (is70B(ctx)) type = 'q5_k';
  } else if (category === 'ffn_down') {
    if (useMoreBits(layer, ctx.nLayer)) type = 'q6_k';
  }
  if (ne0 % 256 !== 0) return type === 'q6_k' ? 'q8_0' : type === 'q8_0' ? type : 'q5_0';
  return type;
}

/** llama-model.cpp's LLM_TYPE_70B for these architectures (llama: 80 layers with n_head ≠ n_head_kv; qwen2: 80 layers). */
function is70B(ctx: MixContext): boolean {
  return ctx.nLayer === 80 && (ctx.arch === 'qwen2' || ctx.nHead !== ctx.nKvHead);
}

/** The ggml type name of tensor `name` (with `nDims` dims and row length `ne0`) in a model of `type`. */
export function tensorType(
  type: SyntheticType,
  name: string,
  nDims: number,
  ne0: number,
  layer: number,
  ctx: MixContext,
): string {
  if (nDims < 2) return 'f32';
  if (type !== 'q4_k_m') return type;
  return q4KmType(tensorCategory(name), layer, ne0, ctx);
}
