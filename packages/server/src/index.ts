// @webseek/server: webseek in Node. The CLI (bin/webseek.mjs runs `runCli`).

export type { CommandSpec, FlagSpec, Flags, FlagTable, FlagType } from './args.ts';
export { commandHelp, parseFlags, parseIds, UsageError } from './args.ts';
export { COMMANDS, EXIT, main, runCli } from './cli.ts';
export type { Command } from './commands/command.ts';
export { generateSpec } from './commands/generate.ts';
export { infoSpec } from './commands/info.ts';
export { serveSpec } from './commands/serve.ts';
export { detokenizeSpec, tokenizeSpec } from './commands/tokenize.ts';
export { measureCpuReadGbps } from './cpu-bandwidth.ts';
export { type Device, openDevice } from './device.ts';
export * from './http/index.ts';
export type { Io } from './io.ts';
export { type LlamaCppFigures, runLlamaCpp } from './llama-cpp.ts';
export { chatMessages, chatPrompt, type Prompt, rawPrompt } from './prompt.ts';
