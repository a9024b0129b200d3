/**
 * The TypeScript demos as pages: `npx vite demos` serves them from source,
 * `npx vite build demos` writes demos/dist. one-script-tag.html is plain HTML
 * over the built widget and needs no build: serve it next to webseek-chat.js.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  logLevel: 'warn',
  cacheDir: here('../.cache/vite-demos'),
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    rolldownOptions: {
      input: {
        'worker-api': here('worker-api.html'),
        'drag-drop': here('drag-drop.html'),
        'webllm-compat': here('webllm-compat.html'),
      },
    },
  },
  server: { host: '127.0.0.1' },
});
