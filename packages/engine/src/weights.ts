import { RuntimeError } from '@webseek/api';
import { dequantize, GGML_TYPES, type Gguf, type GgufTensor, ggmlBytes } from '@webseek/formats';
import { disposeWeights, type GpuContext, type GpuWeights, uploadGgufWeights } from '@webseek/gpu';
import type { ModelConfig } from './config.ts';

/** One transformer block's weights on the device. Matrices are (rows N, row length K). */
export interface LayerWeights {
  /** (nEmbd) f32 */
  attnNorm: GPUBuffer;
  /** (nHead*headDim, nEmbd) */
  q: GpuWeights;
  /** (nKvHead*headDim, nEmbd) */
  k: GpuWeights;
  /** (nKvHead*headDim, nEmbd) */
  v: GpuWeights;
  /** (nHead*headDim) f32, qwen2 only */
  qBias?: GPUBuffer;
  /** (nKvHead*headDim) f32, qwen2 only */
  kBias?: GPUBuffer;
  vBias?: GPUBuffer;
  /** (nEmbd, nHead*headDim) */
  o: GpuWeights;
  /** (nEmbd) f32 */
  ffnNorm: GPUBuffer;
  /** (nFf, nEmbd) */
  gate: GpuWeights;
  /** (nFf, nEmbd) */
  up: GpuWeights;
  /** (nEmbd, nFf) */
  down: GpuWeights;
}

export interface ModelWeights {
  /** (vocab, nEmbd): rows gathered by token id. */
  embed: GpuWeights;
  layers: LayerWeights[];
  /** (nEmbd) f32 */
  outputNorm: GPUBuffer;
  /** (vocab, nEmbd); the embedding itself when the output is tied. */
  output: GpuWeights;
  /** (headDim/2) f32 frequency factors (llama3 rope scaling). */
  ropeFreqs?: GPUBuffer;
  /** Bytes on the device. */
  bytes: number;
}

export interface LoadProgress {
  phase: 'weights';
  tensor: string;
  tensorsDone: number;
  tensorsTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

/** Every tensor the graph reads, with the shape it must have (ne0 first). */
export function expectedTensors(c: ModelConfig): Map<string, number[]> {
  const q = c.nHead * c.headDim;
  const kv = c.nKvHead * c.headDim;
  const t = new Map<string, number[]>([
    ['token_embd.weight', [c.nEmbd, c.vocab]],
    ['output_norm.weight', [c.nEmbd]],
  ]);
  if (!c.tiedOutput) t.set('output.weight', [c.nEmbd, c.vocab]);
  if (c.ropeFreqs) t.set('rope_freqs.weight', [c.headDim / 2]);
  for (let i = 0; i < c.nLayer; i++) {
    const b = `blk.${i}`;
    t.set(`${b}.attn_norm.weight`, [c.nEmbd]);
    t.set(`${b}.attn_q.weight`, [c.nEmbd, q]);
    t.set(`${b}.attn_k.weight`, [c.nEmbd, kv]);
    t.set(`${b}.attn_v.weight`, [c.nEmbd, kv]);
    if (c.qkvBias) {
      t.set(`${b}.attn_q.bias`, [q]);
      t.set(`${b}.attn_k.bias`, [kv]);
      t.set(`${b}.attn_v.bias`, [kv]);
    }
    t.set(`${b}.attn_output.weight`, [q, c.nEmbd]);
    t.set(`${b}.ffn_norm.weight`, [c.nEmbd]);
    t.set(`${b}.ffn_gate.weight`, [c.nEmbd, c.nFf]);
    t.set(`${b}.ffn_up.weight`, [c.nEmbd, c.nFf]);
    t.set(`${b}.ffn_down.weight`, [c.nFf, c.nEmbd]);
  }
  return t;
}

/** Checks presence, shape and byte size of every tensor before anything is uploaded. */
export function checkTensors(gguf: Gguf, c: ModelConfig): GgufTensor[] {
  const found: GgufTensor[] = [];
  for (const [name, shape] of expectedTensors(c)) {
    const t = gguf.tensors.find((x) => x.name === name);
    if (!t)
      throw new RuntimeError('MODEL_FORMAT', `${gguf.name}: tensor '${name}' is missing`, {
        details: { file: gguf.name, tensor: name },
      });
    const got =
      t.shape.length === 1 || t.shape.slice(1).every((d) => d === 1) ? t.shape.slice(0, shape.length) : t.shape;
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new RuntimeError(
        'MODEL_FORMAT',
        `${gguf.name}: tensor '${name}' has shape [${t.shape}] but the config needs [${shape}]`,
        { details: { file: gguf.name, tensor: name, shape: t.shape, expected: shape } },
      );
    }
    if (!GGML_TYPES.some((g) => g.id === t.type)) {
      throw new RuntimeError(
        'UNSUPPORTED_QUANT',
        `${gguf.name}: tensor '${name}' has type ${t.typeName ?? t.type}, which webseek cannot run; supported: ${GGML_TYPES.map((g) => g.name).join(', ')}`,
        { details: { file: gguf.name, tensor: name, type: t.typeName ?? t.type } },
      );
    }
    found.push(t);
  }
  return found;
}

/** Uploads every weight, tensor by tensor in bounded chunks, reporting progress. */
export async function loadWeights(
  ctx: GpuContext,
  gguf: Gguf,
  c: ModelConfig,
  onProgress?: (p: LoadProgress) => void,
): Promise<ModelWeights> {
  const tensors = checkTensors(gguf, c);
  const bytesTotal = tensors.reduce((s, t) => s + (t.byteSize ?? 0), 0);
  let bytesDone = 0;
  let tensorsDone = 0;
  const uploaded: (GpuWeights | GPUBuffer)[] = [];
  const done = (t: GgufTensor) => {
    bytesDone += t.byteSize ?? 0;
    tensorsDone++;
    onProgress?.({
      phase: 'weights',
      tensor: t.name,
      tensorsDone,
      tensorsTotal: tensors.length,
      bytesDone,
      bytesTotal,
    });
  };
  const matrix = async (name: string) => {
    const t = gguf.tensor(name);
    const [k, n] = t.shape as [number, number];
    const rowBytes = ggmlBytes(t.type, k);
    const w = await uploadGgufWeights(ctx, name, t.type, k, n, (row0, rows) =>
      gguf.source.read(t.byteOffset + row0 * rowBytes, rows * rowBytes),
    );
    uploaded.push(w);
    done(t);
    return w;
  };
  const vector = async (name: string) => {
    const t = gguf.tensor(name);
    const count = t.shape[0]!;
    const values = dequantize(t.type, await gguf.readTensor(name), count);
    const buffer = await ctx.upload(name, values);
    uploaded.push(buffer);
    done(t);
    return buffer;
  };
  try {
    const embed = await matrix('token_embd.weight');
    const layers: LayerWeights[] = [];
    for (let i = 0; i < c.nLayer; i++) layers.push(await loadLayer(i, c, matrix, vector));
    const outputNorm = await vector('output_norm.weight');
    const output = c.tiedOutput ? embed : await matrix('output.weight');
    const ropeFreqs = c.ropeFreqs ? await vector('rope_freqs.weight') : undefined;
    const bytes = uploaded.reduce((s, u) => s + ('bytes' in u ? u.bytes : u.size), 0);
    return { embed, layers, outputNorm, output, ...(ropeFreqs ? { ropeFreqs } : {}), bytes };
  } catch (error) {
    for (const u of uploaded) 'bytes' in u ? disposeWeights(u) : u.destroy();
    throw error;
  }
}

async function loadLayer(
  i: number,
  c: ModelConfig,
  matrix: (name: string) => Promise<GpuWeights>,
  vector: (name: string) => Promise<GPUBuffer>,
): Promise<LayerWeights> {
  const b = `blk.${i}`;
  const layer: LayerWeights = {
    attnNorm: await vector(`${b}.attn_norm.weight`),
    q: await matrix(`${b}.attn_q.weight`),
    k: await matrix(`${b}.attn_k.weight`),
    v: await matrix(`${b}.attn_v.weight`),
    o: await matrix(`${b}.attn_output.weight`),
    ffnNorm: await vector(`${b}.ffn_norm.weight`),
    gate: await matrix(`${b}.ffn_gate.weight`),
    up: await matrix(`${b}.ffn_up.weight`),
    down: await matrix(`${b}.ffn_down.weight`),
  };
  if (c.qkvBias) {
    layer.qBias = await vector(`${b}.attn_q.bias`);
    layer.kBias = await vector(`${b}.attn_k.bias`);
    layer.vBias = await vector(`${b}.attn_v.bias`);
  }
  return layer;
}

export function disposeModelWeights(w: ModelWeights): void {
  const seen = new Set<GpuWeights>();
  const drop = (g: GpuWeights) => {
    if (seen.has(g)) return;
    seen.add(g);
    disposeWeights(g);
  };
  drop(w.embed);
  drop(w.output);
  w.outputNorm.destroy();
  w.ropeFreqs?.destroy();
  for (const l of w.layers) {
    for (const m of [l.q, l.k, l.v, l.o, l.gate, l.up, l.down]) drop(m);
    for (const v of [l.attnNorm, l.ffnNorm, l.qBias, l.kBias, l.vBias]) v?.destroy();
  }
}
