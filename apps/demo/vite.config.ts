/**
 * The zero-install demo as static files: `npm run build:apps` → apps/demo/dist
 * (index.html, the page's script, the engine worker). `npm run demo` serves it
 * from source. Relative base: the folder can be hosted under any path.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  cacheDir: fileURLToPath(new URL('../../.cache/vite-app-demo', import.meta.url)),
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: { host: '127.0.0.1' },
});
