import { type CommandSpec, commandHelp, type Flags, type FlagTable, parseFlags } from '../args.ts';
import type { Io } from '../io.ts';

/** One `webseek <name>` subcommand. `run` returns the exit code. */
export interface Command {
  name: string;
  summary: string;
  help(): Promise<string>;
  run(argv: readonly string[], io: Io): Promise<number>;
}

/** A command whose flags are a FlagTable: parsing and `--help` come from the spec. */
export function specCommand<F extends FlagTable>(
  spec: CommandSpec<F>,
  run: (flags: Flags<F>, io: Io) => Promise<number>,
): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    help: async () => commandHelp(spec),
    run: async (argv, io) => {
      const flags = parseFlags(spec, argv);
      if (!flags.help) return run(flags, io);
      io.out(commandHelp(spec));
      return 0;
    },
  };
}
