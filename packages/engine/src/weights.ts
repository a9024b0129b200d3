import { RuntimeError } from '@webseek/api';
import { dequantize, GGML_TYPES, type Gguf, type GgufTensor, ggmlBytes } from '@webseek/formats';
import {
  canStack,
  disposeWeights,
  type GgufMatrix,
  type GpuContext,
  type GpuWeights,
  uploadGgufStack,
} from '@webseek/gpu';
import type { ModelConfig } from './config.ts';

/** The outputs a q/k/v projection writes, in row order. */
export type QkvOutput = 'q' | 'k' | 'v';

/**
 * One launch of the q/k/v projection: the rows of `outputs` (in q, k, v order)
 * stacked in one matrix, its result split over them by the epilogue. A layer
 * has one group [q, k, v] when the three share a type and fit one buffer,
 * [q, k] + [v] when only q and k do (Q4_K_M keeps some v in Q6_K), else three.
 */
export interface QkvGroup {
  outputs: QkvOutput[];
  /** (Σ output widths, nEmbd): q is nHead*headDim rows, k and v nKvHead*headDim each */
  w: GpuWeights;
  /** (Σ output widths) f32, qwen2 only: the biases stacked as the rows are */
  bias?: GPUBuffer;
}

export type QkvWeights = QkvGroup[];

/** gate and up: stacked rows [gate | up] (one launch writing [gate | up] per token, what fused SwiGLU reads), else apart. */
export type GateUpWeights =
  | {
      /** (2*nFf, nEmbd) */
      stacked: GpuWeights;
    }
  | {
      /** (nFf, nEmbd) */
      gate: GpuWeights;
      /** (nFf, nEmbd) */
      up: GpuWeights;
    };

/** One transformer block's weights on the device. Matrices are (rows N, row length K). */
export interface LayerWeights {
  /** (nEmbd) f32 */
  attnNorm: GPUBuffer;
  qkv: QkvWeights;
  /** (nEmbd, nHead*headDim) */
  o: GpuWeights;
  /** (nEmbd) f32 */
  ffnNorm: GPUBuffer;
  gateUp: GateUpWeights;
  /** (nEmbd, nFf) */
  down: GpuWeights;
}

/** Every weight matrix of a block, once. */
export function layerMatrices(l: LayerWeights): GpuWeights[] {
  const qkv = l.qkv.map((g) => g.w);
  const gateUp = 'stacked' in l.gateUp ? [l.gateUp.stacked] : [l.gateUp.gate, l.gateUp.up];
  return [...qkv, l.o, ...gateUp, l.down];
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
  o: { stack?: boolean } = {},
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
  const part = (name: string): GgufMatrix => {
    const t = gguf.tensor(name);
    const [k, n] = t.shape as [number, number];
    const rowBytes = ggmlBytes(t.type, k);
    return {
      label: name,
      ggmlType: t.type,
      k,
      n,
      readRows: (row0, rows) => gguf.source.read(t.byteOffset + row0 * rowBytes, rows * rowBytes),
    };
  };
  const stack = async (label: string, names: string[]) => {
    const w = await uploadGgufStack(ctx, label, names.map(part));
    uploaded.push(w);
    for (const name of names) done(gguf.tensor(name));
    return w;
  };
  const matrix = (name: string) => stack(name, [name]);
  const stackable = (names: string[]) => o.stack !== false && canStack(ctx, names.map(part));
  const values = async (name: string) => {
    const t = gguf.tensor(name);
    return dequantize(t.type, await gguf.readTensor(name), t.shape[0]!);
  };
  const vectors = async (label: string, names: string[]) => {
    const parts = await Promise.all(names.map(values));
    const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    const buffer = await ctx.upload(label, joined);
    uploaded.push(buffer);
    for (const name of names) done(gguf.tensor(name));
    return buffer;
  };
  const vector = (name: string) => vectors(name, [name]);
  try {
    const embed = await matrix('token_embd.weight');
    const layers: LayerWeights[] = [];
    const load: LayerLoader = { matrix, stack, stackable, vector, vectors };
    for (let i = 0; i < c.nLayer; i++) layers.push(await loadLayer(i, c, load));
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

interface LayerLoader {
  matrix(name: string): Promise<GpuWeights>;
  /** One buffer holding the tensors' rows in order. */
  stack(label: string, names: string[]): Promise<GpuWeights>;
  stackable(names: string[]): boolean;
  vector(name: string): Promise<GPUBuffer>;
  vectors(label: string, names: string[]): Promise<GPUBuffer>;
}

async function loadLayer(i: number, c: ModelConfig, load: LayerLoader): Promise<LayerWeights> {
  const b = `blk.${i}`;
  const attnNorm = await load.vector(`${b}.attn_norm.weight`);
  const qkv = await loadQkv(b, c, load);
  const o = await load.matrix(`${b}.attn_output.weight`);
  const ffnNorm = await load.vector(`${b}.ffn_norm.weight`);
  const names = [`${b}.ffn_gate.weight`, `${b}.ffn_up.weight`];
  const gateUp: GateUpWeights = load.stackable(names)
    ? { stacked: await load.stack(`${b}.ffn_gate_up`, names) }
    : { gate: await load.matrix(names[0]!), up: await load.matrix(names[1]!) };
  const down = await load.matrix(`${b}.ffn_down.weight`);
  return { attnNorm, qkv, o, ffnNorm, gateUp, down };
}

/** q, k, v in as few launches as their types allow: consecutive runs that stack. */
async function loadQkv(b: string, c: ModelConfig, load: LayerLoader): Promise<QkvWeights> {
  const outputs: QkvOutput[] = ['q', 'k', 'v'];
  const weight = (o: QkvOutput) => `${b}.attn_${o}.weight`;
  const groups: QkvWeights = [];
  for (let i = 0; i < outputs.length; ) {
    let end = outputs.length;
    while (end > i + 1 && !load.stackable(outputs.slice(i, end).map(weight))) end--;
    const run = outputs.slice(i, end);
    const label = run.length === 1 ? weight(run[0]!) : `${b}.attn_${run.join('')}`;
    const w = run.length === 1 ? await load.matrix(label) : await load.stack(label, run.map(weight));
    const biases = run.map((o) => `${b}.attn_${o}.bias`);
    const bias = c.qkvBias
      ? await load.vectors(run.length === 1 ? biases[0]! : `${b}.attn_${run.join('')}.bias`, biases)
      : undefined;
    groups.push({ outputs: run, w, ...(bias ? { bias } : {}) });
    i = end;
  }
  return groups;
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
    for (const m of layerMatrices(l)) drop(m);
    for (const v of [l.attnNorm, l.ffnNorm, ...l.qkv.map((g) => g.bias)]) v?.destroy();
  }
}
