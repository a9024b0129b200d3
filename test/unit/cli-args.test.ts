/**
 * The webseek CLI without a device: flag parsing and checks, exit codes and
 * error output of main() through an in-memory Io, and prompt building
 * (BOS, chat template) on the synthetic models' tiny vocabulary.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyVocabulary } from '@webseek/formats';
import {
  chatMessages,
  chatPrompt,
  commandHelp,
  generateSpec,
  type Io,
  main,
  parseFlags,
  parseIds,
  rawPrompt,
  tokenizeSpec,
  UsageError,
} from '@webseek/server';
import { tokenizerFromGguf } from '@webseek/tokenizer';
import { describe, expect, it } from 'vitest';

function memoryIo(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => {
      io.stdout += t;
    },
    err: (t: string) => {
      io.stderr += t;
    },
    outIsTty: false,
    errIsTty: false,
  };
  return io;
}

describe('parseFlags', () => {
  it('converts every flag type of generate', () => {
    const f = parseFlags(generateSpec, [
      '--model',
      'm.gguf',
      '--prompt-ids',
      '1, 2,3',
      '--max-tokens=8',
      '--temperature',
      '0.7',
      '--top-k',
      '40',
      '--top-p',
      '0.95',
      '--seed',
      '4294967295',
      '--ignore-eos',
      '--logits',
      '5',
      '--force-ids',
      '4,5,6',
      '--context',
      '64',
      '--json',
    ]);
    expect(f).toMatchObject({
      model: 'm.gguf',
      'prompt-ids': [1, 2, 3],
      'max-tokens': 8,
      temperature: 0.7,
      'top-k': 40,
      'top-p': 0.95,
      seed: 4294967295,
      'ignore-eos': true,
      logits: 5,
      'force-ids': [4, 5, 6],
      context: 64,
      json: true,
      help: false,
    });
    expect(f.prompt).toBeUndefined();
  });

  it('leaves absent flags undefined and booleans false', () => {
    const f = parseFlags(generateSpec, ['--prompt', 'hi']);
    expect(f.prompt).toBe('hi');
    expect(f['max-tokens']).toBeUndefined();
    expect(f.json).toBe(false);
    expect(parseFlags(generateSpec, ['-h']).help).toBe(true);
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--max-tokens', 'x'], /--max-tokens: expected an integer, got 'x'/],
    [['--max-tokens', '1.5'], /--max-tokens: expected an integer/],
    [['--max-tokens', '0'], /--max-tokens: must be at least 1/],
    [['--temperature', 'hot'], /--temperature: expected a number/],
    [['--temperature=-1'], /--temperature: must be at least 0/],
    [['--top-p', '1.5'], /--top-p: must be at most 1/],
    [['--seed', '4294967296'], /--seed: must be at most 4294967295/],
    [['--prompt-ids', '1,,2'], /--prompt-ids: expected comma-separated token ids/],
    [['--prompt-ids', '1,-2'], /--prompt-ids: expected comma-separated token ids/],
    [['--force-ids', ''], /--force-ids: expected comma-separated token ids/],
    [['--model'], /argument missing/],
    [['stray'], /unexpected argument 'stray'/],
  ])('refuses %j with a UsageError naming the flag', (argv, message) => {
    let caught: unknown;
    try {
      parseFlags(generateSpec, argv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).message).toMatch(message);
    expect((caught as UsageError).command).toBe('generate');
  });

  it('parses id lists and rejects ids beyond 32 bits', () => {
    expect(parseIds('0,151643, 7')).toEqual([0, 151643, 7]);
    expect(() => parseIds('4294967296')).toThrow(/32 bits/);
  });

  it('documents every flag in --help', () => {
    const help = commandHelp(tokenizeSpec);
    for (const flag of ['--model FILE', '--tokenizer-json FILE', '--text TEXT', '--file PATH', '--json', '--help']) {
      expect(help).toContain(flag);
    }
  });
});

describe('main', () => {
  it('lists the commands with --help (exit 0) and with no command (stderr, exit 2)', async () => {
    const io = memoryIo();
    expect(await main(['--help'], io)).toBe(0);
    for (const name of ['generate', 'tokenize', 'detokenize', 'info', 'make-model']) expect(io.stdout).toContain(name);
    const bare = memoryIo();
    expect(await main([], bare)).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage: webseek <command>');
  });

  it('prints a command help on stdout with exit 0', async () => {
    const io = memoryIo();
    expect(await main(['generate', '--help'], io)).toBe(0);
    expect(io.stdout).toContain('--force-ids 4,5,6');
    expect(io.stderr).toBe('');
  });

  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['generate', '--model', 'm.gguf', '--max-tokens', '3'], /one of --prompt-ids, --prompt, --chat is required/],
    [['generate', '--model', 'm.gguf', '--prompt', 'a', '--prompt-ids', '1', '--max-tokens', '3'], /give only one of/],
    [['generate', '--prompt', 'a', '--max-tokens', '3'], /--model is required/],
    [['generate', '--model', 'm.gguf', '--prompt', 'a'], /--max-tokens is required/],
    [['generate', '--model', 'm.gguf', '--prompt', 'a', '--max-tokens', '2', '--logits', '3'], /--logits needs --json/],
    [['tokenize', '--text', 'a'], /one of --model, --tokenizer-json is required/],
    [['tokenize', '--model', 'm.gguf'], /one of --text, --file is required/],
    [['detokenize', '--model', 'm.gguf'], /--ids is required/],
    [['info', '--json'], /--model is required/],
  ])('%j is a usage error: exit 2, message on stderr, nothing on stdout', async (argv, message) => {
    const io = memoryIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.stderr).toMatch(message);
    expect(io.stdout).toBe('');
  });

  it('reports a missing file as INVALID_ARGUMENT, exit 1, and as JSON on stdout with --json', async () => {
    const missing = join(tmpdir(), 'webseek-no-such-model.gguf');
    const io = memoryIo();
    expect(await main(['tokenize', '--model', missing, '--text', 'a', '--json'], io)).toBe(1);
    expect(io.stderr).toContain(`error INVALID_ARGUMENT: --model ${missing}: cannot open (no such file)`);
    expect(JSON.parse(io.stdout)).toEqual({
      error: { code: 'INVALID_ARGUMENT', message: `--model ${missing}: cannot open (no such file)` },
    });
    const plain = memoryIo();
    expect(await main(['info', '--model', missing], plain)).toBe(1);
    expect(plain.stdout).toBe('');
  });

  it('reports a file that is not GGUF as MODEL_FORMAT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webseek-cli-'));
    const path = join(dir, 'not.gguf');
    writeFileSync(path, 'definitely not a GGUF file, just some text');
    const io = memoryIo();
    expect(await main(['info', '--model', path, '--json'], io)).toBe(1);
    expect(JSON.parse(io.stdout).error.code).toBe('MODEL_FORMAT');
  });
});

describe('prompts', () => {
  const tokenizer = tokenizerFromGguf(tinyVocabulary(301, 'deepseek-r1-qwen'));
  const bos = tokenizer.bosId!;

  it('prepends BOS to a raw prompt as the vocabulary asks, once', () => {
    expect(tokenizer.addBos).toBe(true);
    const text = 'The quick brown fox';
    expect(rawPrompt(tokenizer, text).ids).toEqual([bos, ...tokenizer.encode(text)]);
    const spelled = rawPrompt(tokenizer, `${tokenizer.idToToken(bos)}${text}`).ids;
    expect(spelled).toEqual([bos, ...tokenizer.encode(text)]);
    expect(rawPrompt(tokenizer, text).opensReasoning).toBe(false);
  });

  it('renders a chat with the generation prompt, one BOS, specials as single tokens', () => {
    const messages = chatMessages({ messages: [{ role: 'user', content: 'What is two plus two?' }] }, 'chat.json');
    const p = chatPrompt(tokenizer, messages);
    const id = (t: string) => tokenizer.tokenToId(t)!;
    expect(p.ids[0]).toBe(bos);
    expect(p.ids.filter((i) => i === bos)).toHaveLength(1);
    expect(p.ids[1]).toBe(id('<｜User｜>'));
    expect(p.ids.slice(-3)).toEqual([id('<｜Assistant｜>'), id('<think>'), ...tokenizer.encode('\n')]);
    expect(p.opensReasoning).toBe(true);
    expect(tokenizer.decode(p.ids)).toBe(
      `${tokenizer.idToToken(bos)}<｜User｜>What is two plus two?<｜Assistant｜><think>\n`,
    );
  });

  it.each([
    [{ role: 'user' }, /expected a JSON array of messages/],
    [[], /the messages array is empty/],
    [[{ content: 'no role' }], /message 0 is not an object with a string "role"/],
  ])('refuses chat file content %j', (json, message) => {
    expect(() => chatMessages(json, 'c.json')).toThrow(message);
  });
});
