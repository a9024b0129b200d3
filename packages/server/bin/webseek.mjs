#!/usr/bin/env node
// The `webseek` command. The repo ships TypeScript sources, so the loader
// hooks go in first; the CLI is imported only after they are registered.
import '../loader/register.mjs';

const { runCli } = await import('../src/cli.ts');
await runCli(process.argv.slice(2));
