/** Tiny synthetic models for tests: made in memory, loaded on the device and as dense f32 for the CPU reference. */

import type { ModelConfig } from '@webseek/engine';
import {
  bytesSource,
  concatBytes,
  dequantize,
  type Gguf,
  makeSyntheticModel,
  readGguf,
  type SyntheticSpec,
  writeGguf,
} from '@webseek/formats';
import type { ReferenceConfig, ReferenceWeights } from '@webseek/reference';

export function syntheticGgufBytes(spec: SyntheticSpec): Uint8Array {
  return concatBytes(writeGguf(makeSyntheticModel(spec)));
}

export async function syntheticSource(spec: SyntheticSpec, name = 'tiny.gguf') {
  return bytesSource(syntheticGgufBytes(spec), name);
}

/** Every tensor the graph reads, dequantized to f32, laid out for `referenceLogits`. */
export async function referenceWeights(gguf: Gguf, c: ModelConfig): Promise<ReferenceWeights> {
  const dense = async (name: string) => {
    const t = gguf.tensor(name);
    const count = t.shape.reduce((a, b) => a * b, 1);
    return dequantize(t.type, await gguf.readTensor(name), count);
  };
  const maybe = (name: string) => (gguf.tensors.some((t) => t.name === name) ? dense(name) : undefined);
  const layers = [];
  for (let i = 0; i < c.nLayer; i++) {
    const b = `blk.${i}`;
    const qBias = await maybe(`${b}.attn_q.bias`);
    const kBias = await maybe(`${b}.attn_k.bias`);
    const vBias = await maybe(`${b}.attn_v.bias`);
    layers.push({
      attnNorm: await dense(`${b}.attn_norm.weight`),
      q: await dense(`${b}.attn_q.weight`),
      k: await dense(`${b}.attn_k.weight`),
      v: await dense(`${b}.attn_v.weight`),
      ...(qBias ? { qBias } : {}),
      ...(kBias ? { kBias } : {}),
      ...(vBias ? { vBias } : {}),
      o: await dense(`${b}.attn_output.weight`),
      ffnNorm: await dense(`${b}.ffn_norm.weight`),
      gate: await dense(`${b}.ffn_gate.weight`),
      up: await dense(`${b}.ffn_up.weight`),
      down: await dense(`${b}.ffn_down.weight`),
    });
  }
  const embed = await dense('token_embd.weight');
  const ropeFreqs = await maybe('rope_freqs.weight');
  return {
    embed,
    layers,
    outputNorm: await dense('output_norm.weight'),
    output: c.tiedOutput ? embed : await dense('output.weight'),
    ...(ropeFreqs ? { ropeFreqs } : {}),
  };
}

export function referenceConfig(c: ModelConfig, kvF16: boolean): ReferenceConfig {
  return { ...c, kvF16 };
}

export async function readBack(bytes: Uint8Array, name = 'tiny.gguf'): Promise<Gguf> {
  return readGguf(bytesSource(bytes, name));
}

/**
 * The tiny qwen2 most end-to-end tests run: GQA 4 q heads on 2 kv heads, q/k/v biases,
 * 2 layers of 64, an odd FFN, the tiny BPE vocabulary. Seconds to load and answer on SwiftShader.
 */
export function tinyQwen2(
  o: { type?: SyntheticSpec['type']; seed?: number; vocab?: number; ctxTrain?: number } = {},
): SyntheticSpec {
  return {
    arch: 'qwen2',
    type: o.type ?? 'q8_0',
    seed: o.seed ?? 11,
    vocabulary: 'tiny',
    shape: {
      nEmbd: 64,
      nFf: 96,
      nLayer: 2,
      nHead: 4,
      nKvHead: 2,
      vocab: o.vocab ?? 301,
      ctxTrain: o.ctxTrain ?? 256,
      ropeTheta: 10000,
      eps: 1e-6,
      qkvBias: true,
      tiedOutput: false,
    },
  };
}
