/**
 * llama.cpp through node-llama-cpp (a dev dependency: prebuilt CPU binaries
 * inside the npm package, nothing downloaded): the rival in `webseek bench`.
 */
import { RuntimeError } from '@webseek/api';

export interface LlamaCppFigures {
  prefillTokS: number;
  decodeTokS: number;
}

/** Same prompt ids and lengths as ours: one warm-up run (page faults), then a measured one. */
export async function runLlamaCpp(
  path: string,
  promptIds: number[],
  gen: number,
  context: number,
  threads: number,
): Promise<LlamaCppFigures> {
  let lib: typeof import('node-llama-cpp');
  try {
    lib = await import('node-llama-cpp');
  } catch (error) {
    throw new RuntimeError(
      'INTERNAL',
      `node-llama-cpp is not installed (npm install in the repo root): ${(error as Error).message}`,
    );
  }
  const llama = await lib.getLlama({ gpu: false, build: 'never', skipDownload: true, maxThreads: threads });
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  try {
    const ctx = await model.createContext({
      contextSize: Math.max(context, promptIds.length + gen + 8),
      batchSize: promptIds.length,
      threads,
    });
    try {
      await timeOnce(ctx, promptIds, gen);
      return await timeOnce(ctx, promptIds, gen);
    } finally {
      await ctx.dispose();
    }
  } finally {
    await model.dispose();
  }
}

async function timeOnce(
  ctx: Awaited<ReturnType<import('node-llama-cpp').LlamaModel['createContext']>>,
  promptIds: number[],
  gen: number,
): Promise<LlamaCppFigures> {
  const seq = ctx.getSequence();
  try {
    const t0 = performance.now();
    let first = 0;
    let count = 0;
    const tokens = promptIds as unknown as import('node-llama-cpp').Token[];
    for await (const _ of seq.evaluate(tokens, { temperature: 0 })) {
      if (count === 0) first = performance.now();
      if (++count >= gen) break;
    }
    const end = performance.now();
    return {
      prefillTokS: promptIds.length / ((first - t0) / 1e3),
      decodeTokS: (count - 1) / ((end - first) / 1e3),
    };
  } finally {
    seq.dispose();
  }
}
