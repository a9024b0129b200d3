/**
 * The host's memory read bandwidth, for llama.cpp's roofline: each worker
 * thread compares two identical 256 MiB buffers with memcmp (Buffer.compare),
 * which streams both through the core at native speed.
 */
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const size = workerData.bytes / 2;
const a = Buffer.alloc(size, 7), b = Buffer.alloc(size, 7);
a.compare(b);
parentPort.postMessage('ready');
parentPort.once('message', () => {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < workerData.reps; i++) if (a.compare(b) !== 0) throw new Error('differs');
  parentPort.postMessage(Number(process.hrtime.bigint() - t0) / 1e9);
});
`;

export async function measureCpuReadGbps(threads: number, bytesPerThread = 512 * 2 ** 20, reps = 4): Promise<number> {
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER, { eval: true, workerData: { bytes: bytesPerThread, reps } }),
  );
  try {
    await Promise.all(workers.map((w) => once(w)));
    const start = performance.now();
    const done = workers.map((w) => {
      w.postMessage('go');
      return once(w);
    });
    await Promise.all(done);
    const seconds = (performance.now() - start) / 1e3;
    return (threads * bytesPerThread * reps) / 1e9 / seconds;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function once(w: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}
