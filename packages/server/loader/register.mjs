// Lets plain Node run our TypeScript sources (tsx) and import WGSL the way
// Vite does (`import code from './x.wgsl?raw'`), so the CLI, benchmarks and
// scripts use the very modules the browser bundle uses. The one home of this
// setup: scripts/register-ts.mjs imports it too.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./wgsl-hooks.mjs', import.meta.url);
