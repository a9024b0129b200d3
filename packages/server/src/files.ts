/**
 * Opening what the flags name: a GGUF model (header only unless weights are
 * loaded), or a Hugging Face tokenizer.json. A path that cannot be opened is
 * a RuntimeError naming the flag and the path (exit code 1, not a usage error).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RuntimeError } from '@webseek/api';
import { type Gguf, readGguf } from '@webseek/formats';
import { type FileByteSource, nodeFileSource } from '@webseek/formats/node-source';
import { ggufTokenizerMeta, type Tokenizer, tokenizerFromGguf, tokenizerFromHf } from '@webseek/tokenizer';

/** Checks that `path` is a readable regular file; `flag` names where it came from. */
export function checkFile(path: string, flag: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    throw cannotOpen(path, flag, error);
  }
  if (!isFile)
    throw new RuntimeError('INVALID_ARGUMENT', `--${flag} ${path}: not a regular file`, { details: { flag, path } });
}

export async function openModelFile(path: string, flag = 'model'): Promise<FileByteSource> {
  checkFile(path, flag);
  try {
    return await nodeFileSource(path);
  } catch (error) {
    throw cannotOpen(path, flag, error);
  }
}

/** The GGUF header (metadata and tensor infos); no tensor data is read. Closes the file. */
export async function readModelHeader(path: string): Promise<Gguf> {
  const source = await openModelFile(path);
  try {
    return await readGguf(source);
  } finally {
    await source.close();
  }
}

export function readTextFile(path: string, flag: string): string {
  checkFile(path, flag);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw cannotOpen(path, flag, error);
  }
}

export function readJsonFile(path: string, flag: string): unknown {
  const text = readTextFile(path, flag);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RuntimeError('INVALID_ARGUMENT', `--${flag} ${path}: not valid JSON (${(error as Error).message})`, {
      details: { flag, path },
    });
  }
}

/** From a GGUF's metadata or a tokenizer.json (with its sibling tokenizer_config.json when present). */
export async function loadTokenizer(from: { model?: string; tokenizerJson?: string }): Promise<Tokenizer> {
  if (from.model !== undefined) {
    const gguf = await readModelHeader(from.model);
    return tokenizerFromGguf(ggufTokenizerMeta(gguf.metadata));
  }
  const path = from.tokenizerJson!;
  const json = readJsonFile(path, 'tokenizer-json');
  const configPath = join(dirname(path), 'tokenizer_config.json');
  let config: unknown = {};
  try {
    if (statSync(configPath).isFile()) config = readJsonFile(configPath, 'tokenizer-json');
  } catch {
    // no tokenizer_config.json next to it: BOS/EOS come from the post-processor alone
  }
  return tokenizerFromHf(json, config);
}

function cannotOpen(path: string, flag: string, error: unknown): RuntimeError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
  return new RuntimeError('INVALID_ARGUMENT', `--${flag} ${path}: cannot open (${why})`, {
    cause: error,
    details: { flag, path, errno: code },
  });
}
