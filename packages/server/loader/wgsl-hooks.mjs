// Node module hooks: `*.wgsl?raw` loads as a module whose default export is the file's text.
import { readFile } from 'node:fs/promises';

export async function resolve(specifier, context, nextResolve) {
  if (!specifier.endsWith('.wgsl?raw')) return nextResolve(specifier, context);
  const url = new URL(specifier, context.parentURL);
  return { url: url.href, shortCircuit: true, format: 'module' };
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.wgsl?raw')) return nextLoad(url, context);
  const text = await readFile(new URL(url.slice(0, -'?raw'.length)), 'utf8');
  return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
}
