/**
 * The kiosk as static files: `npm run build:apps` → apps/kiosk/dist: the page,
 * its script (the widget, with the engine worker inlined), kiosk.config.json
 * (from public/, to be edited in place) and sw.js, the offline shell, with
 * the list of files to precache written in. `npm run kiosk` serves it from
 * source (no service worker there).
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const SERVICE_WORKER = 'sw.js';
/** What the shell needs besides the bundle: the page under its folder URL, and the config from public/. */
const SHELL = ['./', 'kiosk.config.json'];

export default defineConfig({
  root: here('.'),
  base: './',
  logLevel: 'warn',
  cacheDir: here('../../.cache/vite-app-kiosk'),
  worker: { format: 'es' },
  plugins: [precacheList()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    rolldownOptions: {
      input: { index: here('index.html'), sw: here('src/sw.ts') },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? SERVICE_WORKER : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: { host: '127.0.0.1' },
});

/** Writes every emitted file (and SHELL) into sw.js, with a version that changes whenever any of them does. */
function precacheList(): Plugin {
  return {
    name: 'kiosk-precache-list',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const sw = bundle[SERVICE_WORKER];
      if (sw?.type !== 'chunk') return this.error(`${SERVICE_WORKER} is missing from the bundle`);
      const emitted = Object.keys(bundle)
        .filter((name) => name !== SERVICE_WORKER && name !== 'index.html')
        .sort();
      const hash = createHash('sha256');
      for (const name of emitted) {
        const file = bundle[name]!;
        hash.update(name).update(file.type === 'chunk' ? file.code : file.source);
      }
      const index = bundle['index.html'];
      if (index?.type === 'asset') hash.update(index.source);
      const precache = { version: hash.digest('hex').slice(0, 16), files: [...SHELL, ...emitted] };
      const placeholder = /(['"`])__KIOSK_PRECACHE__\1/;
      if (!placeholder.test(sw.code)) return this.error(`${SERVICE_WORKER} has no __KIOSK_PRECACHE__ placeholder`);
      sw.code = sw.code.replace(placeholder, JSON.stringify(JSON.stringify(precache)));
    },
  };
}
