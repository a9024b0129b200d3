/**
 * "Written against web-llm": type-checks demo files twice in one program,
 * as they are (webseek's imports) and with '@webseek/worker/webllm' swapped
 * for '@mlc-ai/web-llm', under the root tsconfig's options. The swapped
 * copies exist only in memory, next to the originals so imports resolve
 * the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export interface TypecheckResult {
  /** The in-memory copies that import '@mlc-ai/web-llm'. */
  swapped: string[];
  /** tsc's messages, one line each (empty: both versions compile). */
  errors: string[];
}

const WEBSEEK = /(['"])@webseek\/worker\/webllm\1/g;

export function typecheckAgainstWebLlm(repo: string, files: string[]): TypecheckResult {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(repo, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json could not be read');
  const copies = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const swapped = text.replace(WEBSEEK, "'@mlc-ai/web-llm'");
    if (swapped === text) throw new Error(`${file} does not import '@webseek/worker/webllm'`);
    copies.set(file.replace(/\.ts$/, '.as-web-llm.ts'), swapped);
  }
  const host = ts.createCompilerHost(config.options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => copies.has(name) || fileExists.call(host, name);
  host.readFile = (name) => copies.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, onError, fresh) => {
    const text = copies.get(name);
    return text === undefined
      ? getSourceFile.call(host, name, language, onError, fresh)
      : ts.createSourceFile(name, text, language);
  };
  const roots = [...files, ...copies.keys()];
  const program = ts.createProgram({ rootNames: roots, options: { ...config.options, noEmit: true }, host });
  const errors = roots.flatMap((name) => {
    const source = program.getSourceFile(name);
    if (!source) return [`${name}: not in the program`];
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map(describe);
  });
  return { swapped: [...copies.keys()], errors };
}

function describe(d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
  if (!d.file || d.start === undefined) return text;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${d.file.fileName}:${line + 1}:${character + 1}: ${text}`;
}
