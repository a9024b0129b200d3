// Enforces STYLE.md's import direction: each workspace package may import only
// the packages listed for it. kernels ← gpu ← engine ← {worker ← widget ← apps/demos, server};
// api, formats, tokenizer and loader never touch WGSL. Nothing imports test/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ALLOWED = {
  api: [],
  formats: ['api'],
  tokenizer: ['api', 'formats'],
  reference: ['api', 'formats'],
  kernels: ['api'],
  gpu: ['api', 'kernels'],
  loader: ['api', 'formats'],
  engine: ['api', 'formats', 'tokenizer', 'gpu', 'loader'],
  worker: ['api', 'engine', 'loader'],
  widget: ['api', 'worker'],
  server: ['api', 'formats', 'tokenizer', 'gpu', 'engine', 'loader'],
  // Deployable apps and embed examples: public exports of the page-facing packages only.
  apps: ['api', 'worker', 'widget', 'loader'],
  demos: ['api', 'worker', 'widget', 'loader'],
};

const root = new URL('..', import.meta.url).pathname;
const homes = { kernels: join(root, 'kernels'), apps: join(root, 'apps'), demos: join(root, 'demos') };
for (const name of Object.keys(ALLOWED)) homes[name] ??= join(root, 'packages', name);

const problems = [];
for (const [pkg, home] of Object.entries(homes)) {
  for (const file of sourceFiles(home)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(
      /(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
    )) {
      const spec = match[1] ?? match[2];
      const where = relative(root, file);
      const dep = spec.match(/^@webseek\/([^/]+)/)?.[1];
      if (dep && dep !== pkg && !ALLOWED[pkg].includes(dep))
        problems.push(`${where}: ${pkg} may not import @webseek/${dep}`);
      if (spec.startsWith('.') && /(^|\/)test\/support|\.\.\/\.\.\/\.\.\//.test(spec))
        problems.push(`${where}: imports outside its package (${spec})`);
    }
  }
}
if (problems.length) {
  console.error(`import direction violated:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`layers ok (${Object.keys(homes).length} packages checked)`);

function* sourceFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'test' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) yield path;
  }
}
