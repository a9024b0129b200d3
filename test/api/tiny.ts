/** Tiny synthetic models for the API tests: the R1 vocabulary specials, and one that closes its reasoning. */
import { concatBytes, makeSyntheticModel, type SyntheticSpec, writeGguf } from '@webseek/formats';
import { syntheticGgufBytes } from '../support/models.ts';

export const TINY_SPEC: SyntheticSpec = {
  arch: 'qwen2',
  type: 'f32',
  seed: 3,
  vocabulary: 'tiny',
  shape: {
    nEmbd: 96,
    nFf: 160,
    nLayer: 2,
    nHead: 6,
    nKvHead: 2,
    vocab: 320,
    ctxTrain: 512,
    eps: 1e-6,
    ropeTheta: 10000,
    qkvBias: true,
    tiedOutput: false,
  },
};

export function tinyModelBytes(): Uint8Array {
  return syntheticGgufBytes(TINY_SPEC);
}

/**
 * The tiny model with the output row of `token` scaled by `factor`: its logit's
 * spread grows, so greedy decoding picks it wherever that logit is positive and
 * large — a random model that writes `</think>` (or EOS) now and then.
 */
export function boostedModelBytes(tokenText: string, factor: number, spec: SyntheticSpec = TINY_SPEC): Uint8Array {
  const model = makeSyntheticModel(spec);
  const entry = model.metadata.find(([k]) => k === 'tokenizer.ggml.tokens')?.[1] as unknown as { value: string[] };
  const vocab = entry.value;
  const id = vocab.indexOf(tokenText);
  if (id < 0) throw new Error(`the tiny vocabulary has no ${tokenText}`);
  const output = model.tensors?.find((t) => t.name === 'output.weight');
  if (output?.type !== 'f32') throw new Error('expected an f32 output.weight');
  const nEmbd = output.shape[0]!;
  const rows = new Float32Array(output.data.buffer, output.data.byteOffset, output.data.byteLength / 4);
  for (let k = 0; k < nEmbd; k++) rows[id * nEmbd + k]! *= factor;
  return concatBytes(writeGguf(model));
}
