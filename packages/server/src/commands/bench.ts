/**
 * `webseek bench`: prefill and decode speed of a model on this device, the
 * per-token costs that dominate on a fast GPU (dispatches, submits, readback,
 * JS time), and the decode roofline: bytes a step reads over the device's own
 * streaming-read bandwidth measured in the same run. With --vs-llama-cpp,
 * llama.cpp (CPU) runs the same file, prompt and lengths beside it.
 */
import { cpus, totalmem } from 'node:os';
import type { Model, Session } from '@webseek/engine';
import { layerMatrices, loadModel } from '@webseek/engine';
import { measureStreamReadGbps } from '@webseek/gpu';
import { type CommandSpec, type Flags, required } from '../args.ts';
import { measureCpuReadGbps } from '../cpu-bandwidth.ts';
import { describeDevice, openDevice } from '../device.ts';
import { openModelFile } from '../files.ts';
import type { Io } from '../io.ts';
import { runLlamaCpp } from '../llama-cpp.ts';
import { specCommand } from './command.ts';

export const benchSpec = {
  name: 'bench',
  summary: 'measure prefill/decode speed, per-token costs and the decode roofline (optionally vs llama.cpp)',
  usage: ['--model FILE [--prompt-len 128] [--gen 64] [--context N] [--vs-llama-cpp] [--json]'],
  flags: {
    model: { type: 'string', value: 'FILE', help: 'GGUF model file' },
    'prompt-len': { type: 'int', value: 'N', min: 1, help: 'prompt tokens, processed as one prefill (default 128)' },
    gen: { type: 'int', value: 'N', min: 2, help: 'tokens to decode (default 64)' },
    context: { type: 'int', value: 'N', min: 2, help: 'KV cache positions (default prompt-len + gen)' },
    'vs-llama-cpp': { type: 'boolean', help: 'also run llama.cpp (CPU, all cores) on the same file' },
    json: { type: 'boolean', help: 'print one JSON object on stdout (human lines go to stderr)' },
  },
  notes: [
    'Prompt ids are deterministic (the same for both engines); EOS is ignored so every run decodes --gen tokens.',
  ],
} as const satisfies CommandSpec;

export const benchCommand = specCommand(benchSpec, bench);

type BenchFlags = Flags<typeof benchSpec.flags>;

export async function bench(flags: BenchFlags, io: Io): Promise<number> {
  const path = required(benchSpec, flags, 'model');
  const promptLen = flags['prompt-len'] ?? 128;
  const gen = flags.gen ?? 64;
  const context = flags.context ?? promptLen + gen;
  const say = (line: string) => (flags.json ? io.err(`${line}\n`) : io.out(`${line}\n`));
  const source = await openModelFile(path);
  const device = await openDevice();
  let model: Model | undefined;
  try {
    const deviceName = describeDevice(device.ctx);
    say(`device: ${deviceName}`);
    const streamGbps = await measureStreamReadGbps(device.ctx);
    say(`stream read: ${streamGbps.toFixed(2)} GB/s`);
    const t0 = performance.now();
    model = await loadModel(device.ctx, source, {
      contextLength: context,
      prefillChunk: promptLen,
      ...(device.gpuMemoryBytes !== undefined ? { gpuMemoryBytes: device.gpuMemoryBytes } : {}),
    });
    const loadS = (performance.now() - t0) / 1e3;
    const promptIds = benchPrompt(model.config.vocab, promptLen);
    const session = await model.getSession();
    await timeRun(session, promptIds, 2); // compiles the prompt's and the decode step's pipelines
    const run = await timeRun(session, promptIds, gen);
    const bytesPerToken = decodeBytesPerToken(model, promptLen + gen / 2);
    const decodeGbps = (bytesPerToken * run.decodeTokS) / 1e9;
    const result: Record<string, unknown> = {
      device: deviceName,
      model: model.config.name,
      prompt_len: promptLen,
      gen,
      prefill_tok_s: run.prefillTokS,
      decode_tok_s: run.decodeTokS,
      ttft_s: run.ttftS,
      load_s: loadS,
      decode_bytes_per_token: bytesPerToken,
      decode_gbps: decodeGbps,
      stream_gbps: streamGbps,
      decode_roofline_fraction: decodeGbps / streamGbps,
      peak_gpu_bytes: device.ctx.memory.peakBytes,
      peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
      ...run.perToken,
    };
    say(
      `webseek: prefill ${fmt(run.prefillTokS)} tok/s, decode ${fmt(run.decodeTokS)} tok/s, ttft ${run.ttftS.toFixed(3)} s, load ${loadS.toFixed(2)} s`,
    );
    say(
      `webseek: decode reads ${(bytesPerToken / 1e6).toFixed(1)} MB/token = ${decodeGbps.toFixed(2)} GB/s = ${((100 * decodeGbps) / streamGbps).toFixed(1)}% of the device's ${streamGbps.toFixed(2)} GB/s stream read`,
    );
    say(
      `webseek: per token ${run.perToken.dispatches_per_token} dispatches, ${run.perToken.submits_per_token} submits, ${run.perToken.readback_bytes_per_token} B read back, ${run.perToken.js_ms_per_token.toFixed(3)} ms JS; peak GPU ${(device.ctx.memory.peakBytes / 2 ** 20).toFixed(0)} MiB, peak RSS ${((result['peak_rss_bytes'] as number) / 2 ** 20).toFixed(0)} MiB`,
    );
    await model.dispose();
    model = undefined;
    if (flags['vs-llama-cpp'])
      result['llama_cpp'] = await compareLlamaCpp(path, promptIds, gen, context, bytesPerToken, run, say);
    if (flags.json) io.out(`${JSON.stringify(result)}\n`);
    return 0;
  } finally {
    await model?.dispose();
    device.ctx.dispose();
    await source.close();
  }
}

interface RunFigures {
  prefillTokS: number;
  decodeTokS: number;
  ttftS: number;
  perToken: {
    dispatches_per_token: number;
    submits_per_token: number;
    readback_bytes_per_token: number;
    js_ms_per_token: number;
  };
}

/** Prefill of the whole prompt in one step, then `gen` greedy tokens; counters cover the decode steps only. */
async function timeRun(session: Session, promptIds: number[], gen: number): Promise<RunFigures> {
  session.reset();
  const t0 = performance.now();
  let first = 0;
  let before = { ...session.counters };
  let count = 0;
  for await (const _ of session.generate(promptIds, { maxTokens: gen, temperature: 0 })) {
    if (count++ === 0) {
      first = performance.now();
      before = { ...session.counters };
    }
  }
  const end = performance.now();
  const c = session.counters;
  // Counters over the decode steps submitted in the window (pipelining submits one ahead of the token read).
  const steps = Math.max(1, c.decodeSteps - before.decodeSteps);
  return {
    prefillTokS: promptIds.length / ((first - t0) / 1e3),
    decodeTokS: Math.max(1, count - 1) / ((end - first) / 1e3),
    ttftS: (first - t0) / 1e3,
    perToken: {
      dispatches_per_token: (c.dispatches - before.dispatches) / steps,
      submits_per_token: (c.submits - before.submits) / steps,
      readback_bytes_per_token: (c.readbackBytes - before.readbackBytes) / steps,
      js_ms_per_token: (c.jsMs - before.jsMs) / steps,
    },
  };
}

/** Deterministic prompt ids spread over the vocabulary (both engines get the same). */
export function benchPrompt(vocab: number, length: number): number[] {
  const ids: number[] = [];
  let h = 2166136261;
  for (let i = 0; i < length; i++) {
    h = Math.imul(h ^ i, 16777619) >>> 0;
    ids.push(1 + (h % Math.min(vocab - 1, 100000)));
  }
  return ids;
}

/**
 * What one decode step must read: every layer matrix and the output matrix in
 * their GPU layout, one embedding row, the norms, and K and V of `kvLen`
 * positions in every layer.
 */
export function decodeBytesPerToken(model: Model, kvLen: number): number {
  const c = model.config;
  const w = model.weights;
  let bytes = w.output.bytes + w.embed.bytes / c.vocab;
  for (const l of w.layers) {
    for (const m of layerMatrices(l)) bytes += m.bytes;
    bytes += 2 * c.nEmbd * 4;
  }
  const kvBytes = model.shape.kvDtype === 'f16' ? 2 : 4;
  return bytes + 2 * c.nLayer * kvLen * c.nKvHead * c.headDim * kvBytes;
}

async function compareLlamaCpp(
  path: string,
  promptIds: number[],
  gen: number,
  context: number,
  bytesPerToken: number,
  ours: RunFigures,
  say: (line: string) => void,
): Promise<Record<string, unknown>> {
  const threads = cpus().length;
  const cpuGbps = await measureCpuReadGbps(threads);
  const lc = await runLlamaCpp(path, promptIds, gen, context, threads);
  const gbps = (bytesPerToken * lc.decodeTokS) / 1e9;
  const device = `CPU ${cpus()[0]?.model ?? ''} × ${threads} threads, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
  say(`llama.cpp: ${device}; host memory read ${cpuGbps.toFixed(2)} GB/s (memcmp, ${threads} threads)`);
  say(
    `llama.cpp: prefill ${fmt(lc.prefillTokS)} tok/s, decode ${fmt(lc.decodeTokS)} tok/s = ${gbps.toFixed(2)} GB/s = ${((100 * gbps) / cpuGbps).toFixed(1)}% of its device's read bandwidth`,
  );
  say(
    `ratios (webseek / llama.cpp): prefill ${(ours.prefillTokS / lc.prefillTokS).toFixed(3)}, decode ${(ours.decodeTokS / lc.decodeTokS).toFixed(3)}`,
  );
  return {
    device,
    threads,
    prefill_tok_s: lc.prefillTokS,
    decode_tok_s: lc.decodeTokS,
    decode_gbps: gbps,
    memory_read_gbps: cpuGbps,
    decode_roofline_fraction: gbps / cpuGbps,
    ratio_prefill: ours.prefillTokS / lc.prefillTokS,
    ratio_decode: ours.decodeTokS / lc.decodeTokS,
  };
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(4);
}
