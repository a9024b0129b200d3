/**
 * `make-model`: the synthetic model maker's command line (Node). The server's
 * `webseek make-model` hands its argv here. Progress goes to stderr, one JSON
 * summary line to stdout; bad flags print usage and return exit code 2.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  DISTILL_SHAPES,
  type DistillId,
  SYNTHETIC_TYPES,
  type SyntheticArch,
  type SyntheticDims,
  type SyntheticSpec,
  type SyntheticType,
} from './synthetic/index.ts';
import {
  type SyntheticProgress,
  syntheticVocabulary,
  type VocabName,
  writeF32Twin,
  writeSyntheticModel,
} from './synthetic-node.ts';

export interface MakeModelIo {
  /** The JSON summary (default process.stdout). */
  out?(text: string): void;
  /** Progress and usage errors (default process.stderr). */
  err?(text: string): void;
  /** tokenizer.chat_template to write unless --chat-template names a file (e.g. DEEPSEEK_R1_DISTILL_TEMPLATE). */
  chatTemplate?: string;
}

export const MAKE_MODEL_USAGE = `Usage: make-model (--shape ID | --arch qwen2|llama --dims K=V,...) --out FILE [options]

Writes a GGUF model with llama.cpp's tensor names, shapes and metadata and
deterministic random weights (same flags → the same bytes).

  --shape ID            a DeepSeek-R1 distill shape: ${Object.keys(DISTILL_SHAPES).join(', ')}
  --arch qwen2|llama    architecture (default: the shape's)
  --dims K=V,...        explicit dims: nEmbd, nFf, nLayer, nHead, nKvHead, vocab (required);
                        headDim, ctxTrain (4096), ropeTheta (10000 qwen2 / 500000 llama), eps (1e-6),
                        qkvBias (qwen2: true), tiedOutput (false), ropeScaling=llama3 (llama 3.1's)
  --type T              ${SYNTHETIC_TYPES.join(' | ')} (default q4_k_m)
  --seed N              weight seed (default 1)
  --vocab V             tiny | qwen | llama (default: the shape's real vocabulary, tiny with --dims)
  --out FILE            where to write the model
  --twin FILE           also write the F32 twin (each tensor's dequantized values, type F32)
  --output-scale X      logit standard deviation (default 4)
  --threads N           quantizing worker threads (default: all cores; 0: this thread)
  --chat-template FILE  tokenizer.chat_template from a file
  --name NAME           general.name
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  arch: { type: 'string' },
  shape: { type: 'string' },
  dims: { type: 'string' },
  type: { type: 'string' },
  seed: { type: 'string' },
  vocab: { type: 'string' },
  out: { type: 'string' },
  twin: { type: 'string' },
  'output-scale': { type: 'string' },
  threads: { type: 'string' },
  'chat-template': { type: 'string' },
  name: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

/** Bad flags: printed with the usage, exit code 2. */
class UsageError extends Error {}

/** Runs the command; returns the exit code. Failures while making the model throw (RuntimeError). */
export async function runMakeModel(argv: readonly string[], io: MakeModelIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  let parsed: { spec: SyntheticSpec; path: string; twin?: string; threads?: number };
  try {
    const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
    if (values.help) {
      out(MAKE_MODEL_USAGE);
      return 0;
    }
    parsed = parseCommand(values, io.chatTemplate);
  } catch (e) {
    if (!(e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) throw e;
    err(`make-model: ${(e as Error).message}\n\n${MAKE_MODEL_USAGE}`);
    return 2;
  }
  const { spec, path, twin, threads } = parsed;
  const report = progressPrinter(err);
  const made = await writeSyntheticModel(spec, path, { threads, onProgress: report('model') });
  const twinMade = twin ? await writeF32Twin(path, twin, report('twin')) : undefined;
  err('\n');
  out(`${JSON.stringify({ ...made, type: spec.type, seed: spec.seed, ...(twinMade ? { twin: twinMade } : {}) })}\n`);
  return 0;
}

function parseCommand(
  v: Values,
  chatTemplate: string | undefined,
): {
  spec: SyntheticSpec;
  path: string;
  twin?: string;
  threads?: number;
} {
  if (!v.out) throw new UsageError('--out FILE is required');
  if ((v.shape === undefined) === (v.dims === undefined)) throw new UsageError('give exactly one of --shape or --dims');
  const distill = v.shape === undefined ? undefined : distillShape(v.shape);
  const arch = oneOf<SyntheticArch>('--arch', v.arch ?? distill?.arch, ['qwen2', 'llama']);
  const type = oneOf<SyntheticType>('--type', v.type ?? 'q4_k_m', SYNTHETIC_TYPES);
  const defaultVocab: VocabName = distill ? (arch === 'qwen2' ? 'qwen' : 'llama') : 'tiny';
  const vocab = oneOf<VocabName>('--vocab', v.vocab ?? defaultVocab, ['tiny', 'qwen', 'llama']);
  const spec: SyntheticSpec = {
    arch,
    shape: v.shape !== undefined ? (v.shape as DistillId) : parseDims(v.dims!, arch),
    type,
    seed: v.seed === undefined ? 1 : integer('--seed', v.seed),
    vocabulary: syntheticVocabulary(vocab),
  };
  const template = v['chat-template'] === undefined ? chatTemplate : readFileSync(v['chat-template'], 'utf8');
  if (template !== undefined) spec.chatTemplate = template;
  if (v['output-scale'] !== undefined) spec.outputScale = number('--output-scale', v['output-scale']);
  if (v.name !== undefined) spec.name = v.name;
  const threads = v.threads === undefined ? undefined : integer('--threads', v.threads);
  return { spec, path: v.out, ...(v.twin ? { twin: v.twin } : {}), ...(threads === undefined ? {} : { threads }) };
}

function distillShape(id: string): { arch: SyntheticArch } {
  const entry = (DISTILL_SHAPES as Record<string, { arch: SyntheticArch }>)[id];
  if (!entry) throw new UsageError(`--shape: unknown shape "${id}"`);
  return entry;
}

const DIM_KEYS = ['nEmbd', 'nFf', 'nLayer', 'nHead', 'nKvHead', 'headDim', 'vocab', 'ctxTrain'] as const;

/** `nEmbd=256,nFf=768,…` → dims, with the defaults the usage names. */
export function parseDims(text: string, arch: SyntheticArch): SyntheticDims {
  const given = new Map<string, string>();
  for (const part of text.split(',').filter(Boolean)) {
    const [key, value] = part.split('=', 2).map((s) => s.trim());
    if (!key || value === undefined) throw new UsageError(`--dims: expected KEY=VALUE, got "${part}"`);
    given.set(key, value);
  }
  const int = (key: string, fallback?: number): number => {
    const value = given.get(key);
    if (value === undefined && fallback === undefined) throw new UsageError(`--dims: ${key} is required`);
    return value === undefined ? fallback! : integer(`--dims ${key}`, value);
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const value = given.get(key);
    if (value === undefined) return fallback;
    if (value !== 'true' && value !== 'false') throw new UsageError(`--dims: ${key} must be true or false`);
    return value === 'true';
  };
  const known = new Set<string>([...DIM_KEYS, 'ropeTheta', 'eps', 'qkvBias', 'tiedOutput', 'ropeScaling']);
  for (const key of given.keys()) if (!known.has(key)) throw new UsageError(`--dims: unknown key "${key}"`);
  const dims: SyntheticDims = {
    nEmbd: int('nEmbd'),
    nFf: int('nFf'),
    nLayer: int('nLayer'),
    nHead: int('nHead'),
    nKvHead: int('nKvHead'),
    vocab: int('vocab'),
    ctxTrain: int('ctxTrain', 4096),
    ropeTheta: number('--dims ropeTheta', given.get('ropeTheta') ?? (arch === 'llama' ? '500000' : '10000')),
    eps: number('--dims eps', given.get('eps') ?? '1e-6'),
    qkvBias: flag('qkvBias', arch === 'qwen2'),
    tiedOutput: flag('tiedOutput', false),
  };
  if (given.has('headDim')) dims.headDim = int('headDim');
  const scaling = given.get('ropeScaling');
  if (scaling !== undefined && scaling !== 'llama3') throw new UsageError('--dims: ropeScaling must be llama3');
  if (scaling) dims.ropeScaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 };
  return dims;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  if (!allowed.includes(value as T))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
}

function integer(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n))
    throw new UsageError(`${flag}: expected an integer, got "${text}"`);
  return n;
}

function number(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a number, got "${text}"`);
  return n;
}

/** Progress lines to stderr, at most one every 2 s (and the last). */
function progressPrinter(err: (t: string) => void) {
  const started = performance.now();
  return (what: string) => {
    let last = 0;
    return (p: SyntheticProgress) => {
      const now = performance.now();
      if (now - last < 2000 && p.doneBytes < p.totalBytes) return;
      last = now;
      const pct = ((100 * p.doneBytes) / p.totalBytes).toFixed(1);
      const mb = (n: number) => (n / 2 ** 20).toFixed(0);
      const secs = ((now - started) / 1000).toFixed(0);
      err(`make-model: ${what} ${pct}% (${mb(p.doneBytes)}/${mb(p.totalBytes)} MiB, ${p.tensor}) ${secs} s\n`);
    };
  };
}
