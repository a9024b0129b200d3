/** Starts the loader test worker and puts its comlink proxy on `window` for run-loader.ts. */
import { wrap } from 'comlink';
import { LOADER_API, type LoaderTestApi } from './loader-protocol.ts';

const worker = new Worker(new URL('./loader-worker.ts', import.meta.url), { type: 'module', name: 'webseek-loader' });
(window as unknown as Record<string, unknown>)[LOADER_API] = wrap<LoaderTestApi>(worker);
