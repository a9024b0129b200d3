/** `webseek make-model`: the synthetic model maker of @webseek/formats, whose own CLI parses the flags. */
import { DEEPSEEK_R1_DISTILL_TEMPLATE } from '@webseek/tokenizer';
import type { Io } from '../io.ts';
import type { Command } from './command.ts';

export const makeModelCommand: Command = {
  name: 'make-model',
  summary: 'write a synthetic GGUF model (deterministic random weights, llama.cpp layout)',
  help: async () => {
    let text = '';
    await (await maker()).runMakeModel(['--help'], { out: (t) => (text += t) });
    return text;
  },
  run: async (argv, io) => (await maker()).runMakeModel(argv, makerIo(io)),
};

// Loaded on use: it pulls in worker threads and the npm vocabularies, which other commands never need.
const maker = () => import('@webseek/formats/synthetic-cli');

function makerIo(io: Io) {
  // formats may not import the tokenizer; the R1-Distill template is handed in, as real distill GGUFs carry it.
  return { out: io.out, err: io.err, chatTemplate: DEEPSEEK_R1_DISTILL_TEMPLATE };
}
