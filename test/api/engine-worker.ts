/** A node:worker_threads script running the engine host, as a browser worker would run `exposeEngine()`. */
import { parentPort } from 'node:worker_threads';
import { createNodeGpuContext } from '@webseek/gpu/node';
import { openSource } from '@webseek/loader/node';
import { exposeEngine } from '@webseek/worker/host';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';

exposeEngine({
  endpoint: nodeEndpoint(parentPort!),
  createContext: () => createNodeGpuContext({ label: 'worker' }),
  openSource: (source, o) => openSource(source, o.signal ? { signal: o.signal } : {}),
});
