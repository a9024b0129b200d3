// npm run bench:kernels [-- --json] [--quick]: kernel throughput on this device for
// the shapes of DeepSeek-R1-Distill-Qwen-1.5B, next to the device's own
// streaming-read GB/s measured in the same run. Figures, not pass/fail.
import {
  attentionBytesRead,
  attentionDecode,
  attentionPrefill,
  type Dispatch,
  disposeDispatch,
  disposeWeights,
  type GpuContext,
  type GpuWeights,
  matMul,
  matMulFlops,
  matVec,
  measureStreamReadGbps,
  StepBuffer,
  timeDispatches,
  Usage,
  uploadWeights,
} from '@webseek/gpu';
import { createNodeGpuContext } from '@webseek/gpu/node';
import { WEIGHT_TYPES, type WeightType, weightFormat } from '@webseek/kernels';
import { randomGgufTensor, uniform } from '@webseek/reference';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const log = (line: string) => (json ? process.stderr.write(`${line}\n`) : console.log(line));

/** K×N of the 1.5B model's matrices: q/o, k/v, gate/up, down, output. */
const GEMV_SHAPES: [number, number][] = quick
  ? [[1536, 1536]]
  : [
      [1536, 1536],
      [1536, 256],
      [1536, 8960],
      [8960, 1536],
      [1536, 151936],
    ];
const GEMM_MS = [128, 512];
const GEMM_SHAPE: [number, number] = [1536, 1536];
const ATTN = { nHead: 12, nKvHead: 2, headDim: 128, cacheDtype: 'f16' as const };
const ATTN_CONTEXTS = quick ? [1024] : [1024, 4096];

/** Repeats a small random block of rows: speed does not depend on the values, and making 1 GB randomly is slow. */
function benchTensor(type: WeightType, k: number, n: number): Uint8Array {
  const rows = Math.min(n, 64);
  const block = randomGgufTensor(type, k, rows, k + rows);
  const out = new Uint8Array((block.length / rows) * n);
  for (let off = 0; off < out.length; off += block.length)
    out.set(block.subarray(0, Math.min(block.length, out.length - off)), off);
  return out;
}

async function upload(ctx: GpuContext, type: WeightType, k: number, n: number): Promise<GpuWeights> {
  return uploadWeights(ctx, `${type}_${k}x${n}`, weightFormat(type).repack(benchTensor(type, k, n), k, n));
}

async function benchGemv(ctx: GpuContext, streamGbps: number) {
  const rows = [];
  const x = await ctx.upload('x', uniform(8960, 1));
  const y = await ctx.createBuffer('y', 151936 * 4, Usage.STORAGE);
  for (const [k, n] of GEMV_SHAPES) {
    for (const type of WEIGHT_TYPES) {
      const w = await upload(ctx, type, k, n);
      const d = await matVec(ctx, { w, x, y });
      const big = w.bytes > 64e6;
      const t = await timeDispatches(ctx, [d], { reps: big ? 1 : 4, runs: 3 });
      const bytes = w.bytes + k * 4 + n * 4;
      const gbps = bytes / 1e9 / (t.ms / 1e3);
      const ratio = gbps / streamGbps;
      log(
        `gemv ${type.padEnd(5)} ${`${k}x${n}`.padEnd(12)} ${t.ms.toFixed(3).padStart(9)} ms  ${gbps.toFixed(2).padStart(6)} GB/s  ${(100 * ratio).toFixed(1).padStart(5)}% of stream  [${d.label}, ${t.clock} clock]`,
      );
      rows.push({ type, k, n, ms: t.ms, bytes, gbps, ratio_to_stream: ratio, kernel: d.label });
      disposeDispatch(d);
      disposeWeights(w);
    }
  }
  x.destroy();
  y.destroy();
  return rows;
}

async function benchGemm(ctx: GpuContext) {
  const rows = [];
  const [k, n] = GEMM_SHAPE;
  const maxM = Math.max(...GEMM_MS);
  const x = await ctx.upload('x', uniform(maxM * k, 2));
  const y = await ctx.createBuffer('y', maxM * n * 4, Usage.STORAGE);
  for (const type of quick ? (['f32', 'q4_k'] as const) : WEIGHT_TYPES) {
    const w = await upload(ctx, type, k, n);
    for (const m of GEMM_MS) {
      const d = await matMul(ctx, { w, x, y, m });
      const t = await timeDispatches(ctx, [d], { reps: 1, runs: 3 });
      const gflops = matMulFlops(m, k, n) / 1e9 / (t.ms / 1e3);
      log(
        `gemm ${type.padEnd(5)} M=${String(m).padEnd(4)} ${k}x${n}  ${t.ms.toFixed(2).padStart(9)} ms  ${gflops.toFixed(2).padStart(7)} GFLOP/s  [${d.label}]`,
      );
      rows.push({ type, m, k, n, ms: t.ms, gflops, kernel: d.label });
      disposeDispatch(d);
    }
    disposeWeights(w);
  }
  x.destroy();
  y.destroy();
  return rows;
}

async function benchAttention(ctx: GpuContext) {
  const rows = [];
  const { nHead, nKvHead, headDim, cacheDtype } = ATTN;
  const chunk = 128;
  for (const context of ATTN_CONTEXTS) {
    const cacheBytes = context * nKvHead * headDim * (cacheDtype === 'f16' ? 2 : 4);
    const kCache = await ctx.upload('k_cache', new Uint8Array(cacheBytes).fill(0x3c));
    const vCache = await ctx.upload('v_cache', new Uint8Array(cacheBytes).fill(0x3c));
    const q = await ctx.upload('q', uniform(chunk * nHead * headDim, 3));
    const out = await ctx.createBuffer('attn_out', chunk * nHead * headDim * 4, Usage.STORAGE);
    const step = new StepBuffer(ctx);
    const shape = { nHead, nKvHead, headDim, ctx: context, cacheDtype };

    step.write({ pos: context - 1, tokens: 1 });
    const decode = await attentionDecode(ctx, { ...shape, q, kCache, vCache, out, step: step.buffer });
    const td = await timeDispatches(ctx, decode, { reps: 4, runs: 3 });
    const bytes = attentionBytesRead(context, nKvHead, headDim, cacheDtype);
    log(
      `attention decode  ctx=${context}  ${td.ms.toFixed(3).padStart(9)} ms  ${(bytes / 1e9 / (td.ms / 1e3)).toFixed(2)} GB/s of KV  [${decode.map((d) => d.label).join(' + ')}]`,
    );
    rows.push({ phase: 'decode', context, tokens: 1, ms: td.ms, kv_bytes: bytes });

    step.write({ pos: context - chunk, tokens: chunk });
    const prefill: Dispatch = await attentionPrefill(ctx, {
      ...shape,
      q,
      kCache,
      vCache,
      out,
      step: step.buffer,
      tokens: chunk,
    });
    const tp = await timeDispatches(ctx, [prefill], { reps: 1, runs: 3 });
    log(
      `attention prefill ctx=${context}  ${tp.ms.toFixed(3).padStart(9)} ms  for the last ${chunk} tokens  [${prefill.label}]`,
    );
    rows.push({ phase: 'prefill', context, tokens: chunk, ms: tp.ms });

    for (const d of [...decode, prefill]) disposeDispatch(d);
    for (const b of [kCache, vCache, q, out]) b.destroy();
    step.dispose();
  }
  return rows;
}

const ctx = await createNodeGpuContext({ label: 'bench' });
const a = ctx.adapterInfo;
const device = `${a.vendor} ${a.architecture} ${a.description}${a.isSoftware ? ' (software)' : ''}`.trim();
log(
  `device: ${device}; subgroups=${ctx.caps.subgroups} shader-f16=${ctx.caps.shaderF16} timestamp-query=${ctx.caps.timestampQuery}`,
);
const streamGbps = await measureStreamReadGbps(ctx);
log(`stream read: ${streamGbps.toFixed(2)} GB/s (vec4<u32> loads, 256 MiB)`);
const gemv = await benchGemv(ctx, streamGbps);
const gemm = await benchGemm(ctx);
const attention = await benchAttention(ctx);
if (json) console.log(JSON.stringify({ device, caps: ctx.caps, stream_gbps: streamGbps, gemv, gemm, attention }));
ctx.dispose();
