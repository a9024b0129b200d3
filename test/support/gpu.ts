/**
 * Shared helpers for kernel tests on a real device (Dawn in Node): one context
 * per test file, outputs wrapped in guard regions that catch out-of-bounds
 * writes, and a comparison that names the first mismatching element.
 */
import { type GpuContext, Usage } from '@webseek/gpu';
import { createNodeGpuContext } from '@webseek/gpu/node';
import { findMismatch, type Tolerance } from '@webseek/reference';
import { expect } from 'vitest';

let shared: Promise<GpuContext> | undefined;

export function testContext(): Promise<GpuContext> {
  shared ??= createNodeGpuContext({ label: 'test' });
  return shared;
}

/** Guard bytes on each side; 256 keeps the output's offset storage-aligned. */
export const GUARD_BYTES = 256;
const SENTINEL = 0x7fc0dead; // a NaN no kernel writes by accident

export interface GuardedBuffer {
  binding: { buffer: GPUBuffer; offset: number; size: number };
  /** Reads the payload, after checking that both guards are untouched. */
  read(): Promise<ArrayBuffer>;
  readF32(): Promise<Float32Array>;
  readU32(): Promise<Uint32Array>;
  destroy(): void;
}

export async function guarded(
  ctx: GpuContext,
  label: string,
  bytes: number,
  initial?: ArrayBufferView,
): Promise<GuardedBuffer> {
  const payload = Math.ceil(bytes / 4) * 4;
  const total = GUARD_BYTES * 2 + Math.ceil(payload / 256) * 256;
  const buffer = await ctx.createBuffer(label, total, Usage.STORAGE | Usage.COPY_DST | Usage.COPY_SRC);
  const fill = new Uint32Array(total / 4).fill(SENTINEL);
  if (initial)
    fill.set(
      new Uint32Array(initial.buffer.slice(initial.byteOffset, initial.byteOffset + initial.byteLength)),
      GUARD_BYTES / 4,
    );
  ctx.write(buffer, fill);
  const read = async () => {
    const all = new Uint32Array(await ctx.read(buffer));
    const payloadEnd = (GUARD_BYTES + payload) / 4;
    for (let i = 0; i < all.length; i++) {
      const inPayload = i >= GUARD_BYTES / 4 && i < payloadEnd;
      if (!inPayload && all[i] !== SENTINEL) {
        throw new Error(`${label}: out-of-bounds write at word ${i - GUARD_BYTES / 4} relative to the output start`);
      }
    }
    return all.slice(GUARD_BYTES / 4, GUARD_BYTES / 4 + bytes / 4).buffer;
  };
  return {
    binding: { buffer, offset: GUARD_BYTES, size: payload },
    read,
    readF32: async () => new Float32Array(await read()),
    readU32: async () => new Uint32Array(await read()),
    destroy: () => buffer.destroy(),
  };
}

/** Asserts closeness elementwise and reports the first bad index with the worst error. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  what: string,
): void {
  const bad = findMismatch(actual, expected, tol);
  expect(
    bad,
    bad &&
      `${what}: ${bad.count} of ${expected.length} outside atol=${tol.atol} rtol=${tol.rtol}; first at [${bad.index}] got ${bad.actual} want ${bad.expected}; max |err| ${bad.maxAbsError}`,
  ).toBeUndefined();
}
