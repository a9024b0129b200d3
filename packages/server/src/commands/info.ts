/**
 * `webseek info`: what a GGUF holds and what running it would take — config,
 * tensor types, tokenizer, and the engine's memory plan. Reads the header
 * only; no GPU.
 */
import { configFromGguf, type ModelConfig, planMemory, type SessionShape } from '@webseek/engine';
import type { Gguf } from '@webseek/formats';
import { ggufTokenizerMeta, tokenizerFromGguf } from '@webseek/tokenizer';
import { type CommandSpec, type Flags, required } from '../args.ts';
import { readModelHeader } from '../files.ts';
import type { Io } from '../io.ts';
import { specCommand } from './command.ts';

export const infoSpec = {
  name: 'info',
  summary: "a model's config, tensor types, tokenizer and memory plan (header only, no GPU)",
  usage: ['--model FILE [--context N] [--json]'],
  flags: {
    model: { type: 'string', value: 'FILE', help: 'GGUF model file' },
    context: {
      type: 'int',
      value: 'N',
      min: 1,
      help: 'context to plan the KV cache for (default min(4096, training context))',
    },
    json: { type: 'boolean', help: 'print one JSON object' },
  },
} as const satisfies CommandSpec;

export const infoCommand = specCommand(infoSpec, info);

/** Defaults loadModel uses (f16 KV cache, 128-token prefill chunks). */
const DEFAULT_CONTEXT = 4096;
const DEFAULT_PREFILL_CHUNK = 128;

async function info(flags: Flags<typeof infoSpec.flags>, io: Io): Promise<number> {
  const gguf = await readModelHeader(required(infoSpec, flags, 'model'));
  const config = configFromGguf(gguf);
  const context = Math.min(flags.context ?? DEFAULT_CONTEXT, config.ctxTrain);
  const shape: SessionShape = { context, prefillChunk: Math.min(DEFAULT_PREFILL_CHUNK, context), kvDtype: 'f16' };
  const report = {
    file: gguf.name,
    gguf_version: gguf.version,
    config,
    tensors: tensorSummary(gguf),
    tokenizer: tokenizerSummary(gguf),
    memory: { ...shape, ...planMemory(gguf, config, shape) },
  };
  io.out(flags.json ? `${JSON.stringify(report)}\n` : humanReport(report, config));
  return 0;
}

interface TypeSummary {
  count: number;
  bytes: number;
}

function tensorSummary(gguf: Gguf): { count: number; bytes: number; types: Record<string, TypeSummary> } {
  const types: Record<string, TypeSummary> = {};
  let bytes = 0;
  for (const t of gguf.tensors) {
    const name = t.typeName ?? `unknown(${t.type})`;
    const entry = types[name] ?? { count: 0, bytes: 0 };
    types[name] = entry;
    entry.count++;
    entry.bytes += t.byteSize ?? 0;
    bytes += t.byteSize ?? 0;
  }
  return { count: gguf.tensors.length, bytes, types };
}

function tokenizerSummary(gguf: Gguf) {
  const t = tokenizerFromGguf(ggufTokenizerMeta(gguf.metadata));
  return {
    pre: t.pre,
    vocab_size: t.vocabSize,
    bos_id: t.bosId,
    eos_id: t.eosId,
    add_bos: t.addBos,
    stop_ids: [...t.eogIds],
    chat_template: t.chatTemplate === null ? 'built-in DeepSeek-R1-Distill' : 'from the model',
  };
}

type Report = {
  file: string;
  gguf_version: number;
  tensors: ReturnType<typeof tensorSummary>;
  tokenizer: ReturnType<typeof tokenizerSummary>;
  memory: SessionShape & ReturnType<typeof planMemory>;
};

function humanReport(r: Report, c: ModelConfig): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const types = Object.entries(r.tensors.types)
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .map(([name, s]) => `${name} ×${s.count} (${mib(s.bytes)})`)
    .join(', ');
  const m = r.memory;
  return [
    `${r.file} (GGUF v${r.gguf_version})`,
    `  model      ${c.name}: ${c.arch}, ${c.nLayer} layers, embd ${c.nEmbd}, ffn ${c.nFf}, heads ${c.nHead}/${c.nKvHead} kv × ${c.headDim}`,
    `             vocab ${c.vocab}, trained context ${c.ctxTrain}, rope base ${c.ropeBase}${c.ropeFreqs ? ' (+freq factors)' : ''}, eps ${Number(c.eps.toPrecision(6))}` +
      `${c.qkvBias ? ', qkv bias' : ''}${c.tiedOutput ? ', tied output' : ''}`,
    `  tensors    ${r.tensors.count}, ${mib(r.tensors.bytes)}: ${types}`,
    `  tokenizer  ${r.tokenizer.pre}, ${r.tokenizer.vocab_size} tokens, bos ${r.tokenizer.bos_id}${r.tokenizer.add_bos ? ' (added)' : ''}, ` +
      `stop ${r.tokenizer.stop_ids.join(',')}, chat template ${r.tokenizer.chat_template}`,
    `  memory     ${mib(m.total)} at context ${m.context} (${m.kvDtype} KV): weights ${mib(m.weights)}, KV cache ${mib(m.kvCache)}, ` +
      `scratch ${mib(m.scratch)}; largest buffer ${m.largestBuffer.name} ${mib(m.largestBuffer.bytes)}`,
    '',
  ].join('\n');
}
