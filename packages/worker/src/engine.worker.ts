/**
 * A ready-made worker script: the engine on the worker's GPU device, weights
 * through the IndexedDB cache. With Vite:
 *
 *   import EngineWorker from '@webseek/worker/engine.worker?worker';
 *   const engine = await createWorkerEngine(new EngineWorker());
 */
import { exposeEngine } from './host.ts';

exposeEngine();
