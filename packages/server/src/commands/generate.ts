/**
 * `webseek generate`: load a GGUF onto the device, feed a prompt, print the
 * continuation — streamed as text, or as one JSON object for programs and tests.
 */
import { randomInt } from 'node:crypto';
import type { GenerateOptions, Model } from '@webseek/engine';
import { loadModel } from '@webseek/engine';
import type { ChatMessage, Tokenizer } from '@webseek/tokenizer';
import { ReasoningStream, StreamDecoder } from '@webseek/tokenizer';
import { type CommandSpec, exactlyOne, type Flags, required, UsageError } from '../args.ts';
import { type Device, describeDevice, openDevice } from '../device.ts';
import { openModelFile, readJsonFile } from '../files.ts';
import type { Io } from '../io.ts';
import { chatMessages, chatPrompt, type Prompt, rawPrompt } from '../prompt.ts';
import { specCommand } from './command.ts';

export const generateSpec = {
  name: 'generate',
  summary: 'run a model on a prompt and print the continuation',
  usage: [
    '--model FILE (--prompt-ids 1,2,3 | --prompt TEXT | --chat FILE.json) --max-tokens N [flags]',
    '--model FILE --prompt-ids 1,2,3 --force-ids 4,5,6 --logits K --json',
  ],
  flags: {
    model: { type: 'string', value: 'FILE', help: 'GGUF model file' },
    'prompt-ids': { type: 'ids', value: '1,2,3', help: 'prompt as token ids, fed as they are' },
    prompt: {
      type: 'string',
      value: 'TEXT',
      help: "raw prompt text (BOS prepended when the vocabulary's add_bos says so)",
    },
    chat: { type: 'string', value: 'FILE.json', help: 'OpenAI-style messages, rendered by the chat template' },
    'max-tokens': { type: 'int', value: 'N', min: 1, help: 'most tokens to generate (default: the --force-ids count)' },
    temperature: { type: 'number', value: 'T', min: 0, help: 'sampling temperature; 0 (default) is greedy' },
    'top-k': { type: 'int', value: 'K', min: 0, help: 'sample among the K most likely tokens (0, default: all)' },
    'top-p': { type: 'number', value: 'P', min: 0, max: 1, help: 'nucleus sampling mass (default 1: off)' },
    seed: {
      type: 'int',
      value: 'S',
      min: 0,
      max: 0xffffffff,
      help: 'sampler seed (default: random, printed with the stats)',
    },
    'ignore-eos': { type: 'boolean', help: "do not stop at the model's end-of-generation tokens" },
    logits: { type: 'int', value: 'K', min: 1, help: 'with --json: also print the top-K [id, logit] of every step' },
    'force-ids': { type: 'ids', value: '4,5,6', help: 'feed these ids as the continuation instead of sampling' },
    context: {
      type: 'int',
      value: 'N',
      min: 1,
      help: "KV cache positions (default min(4096, the model's training context))",
    },
    json: { type: 'boolean', help: 'print one JSON object {prompt_ids, ids, text[, top]} on stdout' },
  },
  notes: [
    'With --json, top[j] is the top-K of the distribution continuation token j is chosen from, highest first.',
    'With --force-ids, generation never stops early: ids equals the forced ids (up to --max-tokens).',
  ],
} as const satisfies CommandSpec;

type GenerateFlags = Flags<typeof generateSpec.flags>;

interface Result {
  promptIds: number[];
  ids: number[];
  top: [number, number][][];
  stats: Stats;
}

interface Stats {
  loadMs: number;
  prefillMs: number;
  decodeMs: number;
  submits: number;
  dispatches: number;
}

export const generateCommand = specCommand(generateSpec, generate);

export async function generate(flags: GenerateFlags, io: Io): Promise<number> {
  const plan = checkFlags(flags);
  // Read the chat file before the (slow) weight upload, so a bad file fails at once.
  const chat = flags.chat === undefined ? undefined : chatMessages(readJsonFile(flags.chat, 'chat'), flags.chat);
  const source = await openModelFile(plan.model);
  let device: Device | undefined;
  let model: Model | undefined;
  try {
    device = await openDevice();
    const t0 = performance.now();
    model = await loadModel(device.ctx, source, {
      ...(flags.context !== undefined ? { contextLength: flags.context } : {}),
      ...(device.gpuMemoryBytes !== undefined ? { gpuMemoryBytes: device.gpuMemoryBytes } : {}),
      ...(io.errIsTty ? { onProgress: progressLine(io) } : {}),
    });
    if (io.errIsTty) io.err('\r\x1b[K');
    const loadMs = performance.now() - t0;
    const prompt = promptFor(flags, chat, model.tokenizer);
    const printer = flags.json ? undefined : new TextPrinter(model.tokenizer, io, prompt.opensReasoning);
    const result = await run(model, prompt.ids, generateOptions(flags, model, plan), loadMs, printer);
    if (flags.json) io.out(`${JSON.stringify(jsonResult(model.tokenizer, result, flags.logits !== undefined))}\n`);
    else printer!.finish();
    io.err(`${statsLine(result, describeDevice(device.ctx), plan.seed, flags.temperature ?? 0)}\n`);
    return 0;
  } finally {
    await model?.dispose();
    device?.ctx.dispose();
    await source.close();
  }
}

function promptFor(flags: GenerateFlags, chat: ChatMessage[] | undefined, tokenizer: Tokenizer): Prompt {
  if (flags['prompt-ids'] !== undefined) return { ids: flags['prompt-ids'], opensReasoning: false };
  return chat !== undefined ? chatPrompt(tokenizer, chat) : rawPrompt(tokenizer, flags.prompt!);
}

interface Plan {
  model: string;
  maxTokens: number;
  seed: number;
}

/** Cross-flag rules parseFlags cannot see. */
function checkFlags(flags: GenerateFlags): Plan {
  const model = required(generateSpec, flags, 'model');
  exactlyOne(generateSpec, flags, ['prompt-ids', 'prompt', 'chat']);
  const forced = flags['force-ids'];
  const maxTokens = flags['max-tokens'] ?? forced?.length;
  if (maxTokens === undefined)
    throw new UsageError('--max-tokens is required (unless --force-ids gives the count)', 'generate');
  if (flags.logits !== undefined && !flags.json)
    throw new UsageError('--logits needs --json (the logits are printed in it)', 'generate');
  return { model, maxTokens, seed: flags.seed ?? randomInt(0, 2 ** 32 - 1) };
}

function generateOptions(flags: GenerateFlags, model: Model, plan: Plan): GenerateOptions {
  const forced = flags['force-ids'];
  return {
    maxTokens: plan.maxTokens,
    temperature: flags.temperature ?? 0,
    topK: flags['top-k'] ?? 0,
    topP: flags['top-p'] ?? 1,
    seed: plan.seed,
    // Teacher forcing feeds the given ids whatever they are, end-of-generation ids included.
    stopIds: flags['ignore-eos'] || forced ? [] : model.stopIds,
    ...(forced ? { forceIds: forced } : {}),
    ...(flags.logits !== undefined ? { topLogits: flags.logits } : {}),
    signal: interruptSignal(),
  };
}

async function run(
  model: Model,
  promptIds: number[],
  options: GenerateOptions,
  loadMs: number,
  printer: TextPrinter | undefined,
): Promise<Result> {
  const session = await model.getSession();
  session.reset();
  const before = { ...session.counters };
  const ids: number[] = [];
  const top: [number, number][][] = [];
  const t0 = performance.now();
  let firstAt = t0;
  for await (const token of session.generate(promptIds, options)) {
    if (ids.length === 0) firstAt = performance.now();
    ids.push(token.id);
    if (token.top) top.push(token.top);
    printer?.push(token.id);
  }
  const end = performance.now();
  const stats: Stats = {
    loadMs,
    prefillMs: firstAt - t0,
    decodeMs: end - firstAt,
    submits: session.counters.submits - before.submits,
    dispatches: session.counters.dispatches - before.dispatches,
  };
  return { promptIds, ids, top, stats };
}

function jsonResult(tokenizer: Tokenizer, r: Result, withTop: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { prompt_ids: r.promptIds, ids: r.ids, text: tokenizer.decode(r.ids) };
  if (withTop) out['top'] = r.top;
  return out;
}

/**
 * Streams generated text as it completes (never half a UTF-8 sequence). On a
 * terminal the R1 reasoning is dimmed and set apart from the answer; piped,
 * the text is written exactly as generated (special tokens left out).
 */
class TextPrinter {
  private readonly decoder: StreamDecoder;
  private readonly reasoning: ReasoningStream | undefined;
  private reasoned = false;
  private answered = false;

  constructor(
    tokenizer: Tokenizer,
    private readonly io: Io,
    startInReasoning: boolean,
  ) {
    this.decoder = new StreamDecoder(tokenizer, { skipSpecial: true });
    this.reasoning = io.outIsTty ? new ReasoningStream({ startInReasoning }) : undefined;
  }

  push(id: number): void {
    this.write(this.decoder.push(id), false);
  }

  finish(): void {
    this.write(this.decoder.flush(), true);
    this.io.out('\n');
  }

  private write(text: string, end: boolean): void {
    if (!this.reasoning) {
      if (text) this.io.out(text);
      return;
    }
    const d = this.reasoning.push(text);
    const tail = end ? this.reasoning.flush() : {};
    const reasoning = (d.reasoning ?? '') + (tail.reasoning ?? '');
    const content = (d.content ?? '') + (tail.content ?? '');
    if (reasoning) {
      this.io.out(`\x1b[2m${reasoning}\x1b[22m`);
      this.reasoned = true;
    }
    if (content) {
      if (this.reasoned && !this.answered) this.io.out('\n\n');
      this.answered = true;
      this.io.out(content);
    }
  }
}

function progressLine(
  io: Io,
): (p: { tensorsDone: number; tensorsTotal: number; bytesDone: number; bytesTotal: number }) => void {
  let last = -1;
  return (p) => {
    const pct = Math.floor((100 * p.bytesDone) / Math.max(1, p.bytesTotal));
    if (pct === last) return;
    last = pct;
    io.err(`\rloading weights ${pct}% (${p.tensorsDone}/${p.tensorsTotal} tensors)`);
  };
}

/** Ctrl-C stops generation between tokens (the engine then throws ABORTED); a second one kills. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return controller.signal;
}

function statsLine(r: Result, device: string, seed: number, temperature: number): string {
  const s = r.stats;
  const rate = (n: number, ms: number) => (ms > 0 ? `${((1000 * n) / ms).toFixed(1)} tok/s` : '-');
  const decoded = Math.max(0, r.ids.length - 1);
  return (
    `webseek: loaded in ${(s.loadMs / 1000).toFixed(2)} s on ${device}; ` +
    `prompt ${r.promptIds.length} tokens in ${(s.prefillMs / 1000).toFixed(2)} s (${rate(r.promptIds.length, s.prefillMs)}), ` +
    `generated ${r.ids.length} (${rate(decoded, s.decodeMs)}); ${s.submits} submits, ${s.dispatches} dispatches` +
    (temperature > 0 ? `; seed ${seed}` : '')
  );
}
