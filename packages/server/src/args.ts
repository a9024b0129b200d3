/**
 * Command-line flags: each command declares its flags once (type, value name,
 * help); parsing, value checks and `--help` text all come from that table.
 * Bad input is a UsageError (exit code 2), never a RuntimeError.
 */
import { parseArgs } from 'node:util';

export type FlagType = 'boolean' | 'string' | 'int' | 'number' | 'ids';

export interface FlagSpec {
  type: FlagType;
  help: string;
  /** Placeholder in the help text (`--model FILE`). */
  value?: string;
  /** Smallest accepted value of an int or number flag. */
  min?: number;
  /** Largest accepted value of an int or number flag. */
  max?: number;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;

export interface CommandSpec<F extends FlagTable = FlagTable> {
  name: string;
  summary: string;
  /** Usage lines after `webseek <name> `. */
  usage: readonly string[];
  flags: F;
  /** Extra paragraphs for `--help`. */
  notes?: readonly string[];
}

type ValueOf<T extends FlagType> = T extends 'boolean'
  ? boolean
  : T extends 'string'
    ? string
    : T extends 'ids'
      ? number[]
      : number;

/** Parsed flags by their kebab-case name; absent flags are undefined (booleans: false). */
export type Flags<F extends FlagTable> = { [K in keyof F]: ValueOf<F[K]['type']> | undefined } & { help: boolean };

/** Bad command-line input: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

export function parseFlags<F extends FlagTable>(spec: CommandSpec<F>, argv: readonly string[]): Flags<F> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, flag] of Object.entries(spec.flags))
    options[name] = { type: flag.type === 'boolean' ? 'boolean' : 'string' };
  let raw: Record<string, string | boolean | undefined>;
  try {
    ({ values: raw } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(plainParseError(error), spec.name);
  }
  const out: Record<string, unknown> = { help: raw.help === true };
  for (const [name, flag] of Object.entries(spec.flags)) {
    const v = raw[name];
    out[name] =
      typeof v === 'string' ? convert(spec.name, name, flag, v) : flag.type === 'boolean' ? v === true : undefined;
  }
  return out as Flags<F>;
}

function convert(command: string, name: string, flag: FlagSpec, text: string): unknown {
  const bad = (why: string) => new UsageError(`--${name}: ${why}, got '${text}'`, command);
  switch (flag.type) {
    case 'string':
      if (text === '') throw bad('expected a value');
      return text;
    case 'ids':
      return parseIds(text, bad);
    case 'int': {
      if (!/^-?\d+$/.test(text.trim())) throw bad('expected an integer');
      return inRange(Number(text), flag, bad);
    }
    default: {
      const n = text.trim() === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(n)) throw bad('expected a number');
      return inRange(n, flag, bad);
    }
  }
}

/** `1,2,3` (spaces allowed) → [1, 2, 3]; token ids are non-negative integers. */
export function parseIds(text: string, bad: (why: string) => Error = (why) => new UsageError(why)): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw bad('expected comma-separated token ids like 1,2,3');
  const ids = parts.map(Number);
  if (ids.some((id) => id > 0xffffffff)) throw bad('token ids must fit in 32 bits');
  return ids;
}

function inRange(n: number, flag: FlagSpec, bad: (why: string) => Error): number {
  if (flag.min !== undefined && n < flag.min) throw bad(`must be at least ${flag.min}`);
  if (flag.max !== undefined && n > flag.max) throw bad(`must be at most ${flag.max}`);
  return n;
}

/** Node's parseArgs messages, minus the advice that does not apply to us. */
function plainParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('. To specify a positional argument')[0]!.replace(/^Unexpected argument/, 'unexpected argument');
}

/** Exactly one of `names` is set; returns which. */
export function exactlyOne<F extends FlagTable>(
  spec: CommandSpec<F>,
  flags: Flags<F>,
  names: readonly (keyof F & string)[],
): keyof F & string {
  const set = names.filter((n) => flags[n] !== undefined);
  if (set.length !== 1) {
    const list = names.map((n) => `--${n}`).join(', ');
    throw new UsageError(set.length === 0 ? `one of ${list} is required` : `give only one of ${list}`, spec.name);
  }
  return set[0]!;
}

/** The flag's value; a UsageError naming it when absent. */
export function required<F extends FlagTable, K extends keyof F & string>(
  spec: CommandSpec<F>,
  flags: Flags<F>,
  name: K,
): NonNullable<Flags<F>[K]> {
  const v = flags[name];
  if (v === undefined) throw new UsageError(`--${name} is required`, spec.name);
  return v as NonNullable<Flags<F>[K]>;
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [`webseek ${spec.name} — ${spec.summary}`, '', 'Usage:'];
  for (const u of spec.usage) lines.push(`  webseek ${spec.name} ${u}`);
  lines.push('', 'Flags:');
  const rows: [string, string][] = Object.entries(spec.flags).map(([name, f]) => [
    `--${name}${f.value ? ` ${f.value}` : ''}`,
    f.help,
  ]);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  for (const [left, help] of rows) lines.push(`  ${left.padEnd(width)}${help}`);
  for (const note of spec.notes ?? []) lines.push('', note);
  return `${lines.join('\n')}\n`;
}
