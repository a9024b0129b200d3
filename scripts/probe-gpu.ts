// Says which WebGPU device Node gets here, or exactly why there is none.
import { createNodeGpuContext } from '@webseek/gpu/node';

const ctx = await createNodeGpuContext({ label: 'probe' });
const a = ctx.adapterInfo;
const c = ctx.caps;
console.log(
  `setup: WebGPU in Node on ${a.vendor} ${a.architecture} ${a.description}` +
    `${a.isSoftware ? ' (software)' : ''}; shader-f16=${c.shaderF16} subgroups=${c.subgroups}` +
    ` timestamp-query=${c.timestampQuery} maxBufferSize=${c.maxBufferSize}`,
);
ctx.dispose();
