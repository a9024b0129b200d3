/**
 * The one-script-tag build: `npm run build:widget` → dist/webseek-chat.js,
 * a single ES module with Lit, the element and the engine worker (inlined as
 * a Blob, kernels and all), so a page needs nothing else:
 *
 *   <script type="module" src="/webseek-chat.js"></script>
 *   <webseek-chat model="/models/r1-distill-qwen-1.5b-q4_k_m.gguf"></webseek-chat>
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  logLevel: 'warn',
  cacheDir: fileURLToPath(new URL('../../.cache/vite-widget', import.meta.url)),
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    // Vite keeps an ES library's whitespace (for downstream bundlers); this file goes to pages as it is.
    rolldownOptions: { output: { minify: true } },
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: () => 'webseek-chat.js' },
  },
});
