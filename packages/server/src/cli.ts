/**
 * The `webseek` command line: `webseek <command> [flags]`. Exit codes: 0 done,
 * 1 a RuntimeError (or any failure while running), 2 bad command-line input.
 * Results go to stdout; progress, stats and errors to stderr. With --json an
 * error is also printed on stdout as {"error": {"code", "message"}}.
 */
import { isRuntimeError } from '@webseek/api';
import { UsageError } from './args.ts';
import { benchCommand } from './commands/bench.ts';
import type { Command } from './commands/command.ts';
import { generateCommand } from './commands/generate.ts';
import { infoCommand } from './commands/info.ts';
import { makeModelCommand } from './commands/make-model.ts';
import { serveCommand } from './commands/serve.ts';
import { detokenizeCommand, tokenizeCommand } from './commands/tokenize.ts';
import { drained, type Io, processIo } from './io.ts';

export const COMMANDS: readonly Command[] = [
  generateCommand,
  tokenizeCommand,
  detokenizeCommand,
  infoCommand,
  makeModelCommand,
  benchCommand,
  serveCommand,
];

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Runs one command line; returns the exit code (never throws). */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(overview());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(topic ? await topic.help() : overview());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`webseek: unknown command '${name}'\n\n${overview()}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return report(error, command, rest.includes('--json'), io);
  }
}

/** main() for the bin: sets the exit code once stdout and stderr are flushed. */
export async function runCli(argv: readonly string[]): Promise<void> {
  // `webseek generate … | head`: a reader that went away is not an error of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? EXIT.ok : EXIT.failed));
  const code = await main(argv);
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  // Do not wait on handles a failed run may leave behind (a pending buffer map, worker threads).
  process.exit(code);
}

function report(error: unknown, command: Command, json: boolean, io: Io): number {
  if (error instanceof UsageError) {
    io.err(`webseek ${command.name}: ${error.message}\nRun 'webseek ${command.name} --help' for the flags.\n`);
    return EXIT.usage;
  }
  const code = isRuntimeError(error) ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  io.err(`webseek ${command.name}: error ${code}: ${message}\n`);
  if (!isRuntimeError(error) && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
  if (json) io.out(`${JSON.stringify({ error: { code, message } })}\n`);
  return EXIT.failed;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'webseek — DeepSeek-R1 distills on your own GPU through WebGPU (Node: Dawn)',
    '',
    'Usage: webseek <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'webseek <command> --help' for a command's flags.",
    '',
  ].join('\n');
}
