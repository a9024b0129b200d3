/**
 * `webseek tokenize` / `webseek detokenize`: the model's tokenizer alone. Only
 * the GGUF header is read (no tensor data) and the GPU is never touched.
 */
import { type CommandSpec, exactlyOne, type Flags, required } from '../args.ts';
import { loadTokenizer, readTextFile } from '../files.ts';
import type { Io } from '../io.ts';
import { specCommand } from './command.ts';

const vocabularyFlags = {
  model: { type: 'string', value: 'FILE', help: 'GGUF model file (its tokenizer.ggml.* metadata)' },
  'tokenizer-json': {
    type: 'string',
    value: 'FILE',
    help: 'Hugging Face tokenizer.json (tokenizer_config.json beside it is read too)',
  },
} as const;

export const tokenizeSpec = {
  name: 'tokenize',
  summary: 'text → token ids (no BOS added; special-token strings match as special tokens)',
  usage: ['(--model FILE | --tokenizer-json FILE) (--text TEXT | --file PATH) [--json]'],
  flags: {
    ...vocabularyFlags,
    text: { type: 'string', value: 'TEXT', help: 'the text to encode' },
    file: { type: 'string', value: 'PATH', help: 'encode this UTF-8 file instead' },
    json: { type: 'boolean', help: 'print {"ids":[…]}; otherwise the ids comma-separated' },
  },
} as const satisfies CommandSpec;

export const detokenizeSpec = {
  name: 'detokenize',
  summary: 'token ids → text (special tokens written as their text)',
  usage: ['(--model FILE | --tokenizer-json FILE) --ids 1,2,3 [--json]'],
  flags: {
    ...vocabularyFlags,
    ids: { type: 'ids', value: '1,2,3', help: 'token ids to decode' },
    json: { type: 'boolean', help: 'print {"text":"…"}; otherwise the text itself' },
  },
} as const satisfies CommandSpec;

export const tokenizeCommand = specCommand(tokenizeSpec, tokenize);
export const detokenizeCommand = specCommand(detokenizeSpec, detokenize);

type VocabularyFlags = Flags<typeof vocabularyFlags>;

async function tokenizerFor(spec: CommandSpec, flags: VocabularyFlags) {
  exactlyOne(spec, flags, ['model', 'tokenizer-json']);
  return loadTokenizer({
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags['tokenizer-json'] !== undefined ? { tokenizerJson: flags['tokenizer-json'] } : {}),
  });
}

async function tokenize(flags: Flags<typeof tokenizeSpec.flags>, io: Io): Promise<number> {
  const which = exactlyOne(tokenizeSpec, flags, ['text', 'file']);
  const tokenizer = await tokenizerFor(tokenizeSpec, flags);
  const text = which === 'text' ? flags.text! : readTextFile(flags.file!, 'file');
  const ids = tokenizer.encode(text, { addSpecial: false, parseSpecial: true });
  io.out(flags.json ? `${JSON.stringify({ ids })}\n` : `${ids.join(',')}\n`);
  return 0;
}

async function detokenize(flags: Flags<typeof detokenizeSpec.flags>, io: Io): Promise<number> {
  const ids = required(detokenizeSpec, flags, 'ids');
  const tokenizer = await tokenizerFor(detokenizeSpec, flags);
  const text = tokenizer.decode(ids);
  // Piped, the text is written exactly; on a terminal a newline ends it.
  io.out(flags.json ? `${JSON.stringify({ text })}\n` : io.outIsTty ? `${text}\n` : text);
  return 0;
}
