// npm run bench:kernels [-- --json]: kernel throughput on this device for the
// shapes of DeepSeek-R1-Distill-Qwen-1.5B, against the device's own streaming-read GB/s.
import { createNodeGpuContext } from '@webseek/gpu/node';
import { measureStreamRead } from './stream.ts';

const json = process.argv.includes('--json');
const log = (line: string) => (json ? process.stderr.write(`${line}\n`) : console.log(line));

const ctx = await createNodeGpuContext({ label: 'bench' });
const a = ctx.adapterInfo;
const device = `${a.vendor} ${a.architecture} ${a.description}${a.isSoftware ? ' (software)' : ''}`.trim();
log(
  `device: ${device}; subgroups=${ctx.caps.subgroups} shader-f16=${ctx.caps.shaderF16} timestamp-query=${ctx.caps.timestampQuery}`,
);

const streamGbps = await measureStreamRead(ctx);
log(`stream read: ${streamGbps.toFixed(2)} GB/s`);

const result = {
  device,
  stream_gbps: streamGbps,
  gemv: [] as unknown[],
  gemm: [] as unknown[],
  attention: [] as unknown[],
};
if (json) console.log(JSON.stringify(result));
ctx.dispose();
