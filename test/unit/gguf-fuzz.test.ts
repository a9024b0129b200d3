/**
 * Fuzzes the GGUF reader from one small valid file: every truncation, seeded
 * random bit flips, and extreme values patched into every count, length, dim,
 * offset and type field. Each input must parse (and its tensors read) or throw
 * RuntimeError MODEL_FORMAT / UNSUPPORTED_QUANT: never another error, never
 * slowly, never an allocation larger than the file.
 */
import { isRuntimeError } from '@webseek/api';
import { bytesSource, concatBytes, readGguf, writeGguf } from '@webseek/formats';
import { afterAll, describe, expect, it } from 'vitest';
// The reader's one allocation helper (a test hook, deliberately not in the package index).
import { observeAllocations } from '../../packages/formats/src/gguf/alloc.ts';

/** Deterministic 32-bit xorshift. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

function bytes(n: number, seed: number): Uint8Array {
  const next = rng(seed);
  return Uint8Array.from({ length: n }, () => next() & 0xff);
}

const VALID = concatBytes(
  writeGguf({
    metadata: [
      ['general.architecture', { type: 'string', value: 'qwen2' }],
      ['qwen2.block_count', { type: 'u32', value: 1 }],
      ['qwen2.rope.freq_base', { type: 'f32', value: 1e6 }],
      ['general.flag', { type: 'bool', value: true }],
      ['general.big', { type: 'u64', value: 123n }],
      ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: ['a', 'Ġb', '中'] }],
      ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: [1, 3, 6] }],
      ['tokenizer.ggml.flags', { type: 'array', itemType: 'bool', value: [true, false] }],
      [
        'test.nested',
        {
          type: 'array',
          itemType: 'array',
          value: [
            { itemType: 'u16', value: [1, 2] },
            { itemType: 'string', value: ['x'] },
          ],
        },
      ],
    ],
    tensors: [
      { name: 'token_embd.weight', shape: [32, 3], type: 'q8_0', data: bytes(102, 1) },
      { name: 'output_norm.weight', shape: [5], type: 'f32', data: bytes(20, 2) },
      { name: 'blk.0.ffn_gate.weight', shape: [256], type: 'q5_k', data: bytes(176, 3) },
    ],
  }),
);

interface Field {
  at: number;
  kind: 'u32' | 'u64';
  what: string;
}

/** Where every count, length, dim, offset and type field of VALID sits (a walk of the known-good layout). */
function fieldsOf(file: Uint8Array): { fields: Field[]; headerEnd: number } {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const fields: Field[] = [];
  let p = 24;
  const u32 = (what: string) => {
    fields.push({ at: p, kind: 'u32', what });
    p += 4;
    return dv.getUint32(p - 4, true);
  };
  const u64 = (what: string) => {
    fields.push({ at: p, kind: 'u64', what });
    p += 8;
    return Number(dv.getBigUint64(p - 8, true));
  };
  const str = (what: string) => {
    const length = u64(`${what} length`); // read before adding: `p += u64()` would use the old p
    p += length;
  };
  const SCALAR = [1, 1, 2, 2, 4, 4, 4, 1, -1, -1, 8, 8, 8];
  const value = (type: number, what: string): void => {
    if (type === 8) str(what);
    else if (type === 9) {
      const item = u32(`${what} item type`);
      const n = u64(`${what} count`);
      for (let i = 0; i < n; i++) value(item, `${what}[${i}]`);
    } else p += SCALAR[type]!;
  };
  fields.push({ at: 8, kind: 'u64', what: 'tensor count' }, { at: 16, kind: 'u64', what: 'kv count' });
  for (let i = 0; i < Number(dv.getBigUint64(16, true)); i++) {
    str(`kv ${i} key`);
    value(u32(`kv ${i} type`), `kv ${i}`);
  }
  for (let i = 0; i < Number(dv.getBigUint64(8, true)); i++) {
    str(`tensor ${i} name`);
    const nDims = u32(`tensor ${i} n_dims`);
    for (let d = 0; d < nDims; d++) u64(`tensor ${i} ne${d}`);
    u32(`tensor ${i} type`);
    u64(`tensor ${i} offset`);
  }
  return { fields, headerEnd: p };
}

const MAX_MS = 500; // a 1 KB parse takes well under 1 ms; this only catches a runaway loop
let largest = 0;
let cases = 0;
const outcomes = { parsed: 0, MODEL_FORMAT: 0, UNSUPPORTED_QUANT: 0 };

/** Parses `file` and reads every tensor; fails the test on any outcome but the allowed ones. */
async function survive(file: Uint8Array, label: string): Promise<void> {
  let biggest = 0;
  observeAllocations((n) => {
    biggest = Math.max(biggest, n);
  });
  const t0 = performance.now();
  try {
    // Every other input through a 16-byte first window, so window refills are fuzzed too.
    const gguf = await readGguf(bytesSource(file, 'fuzz.gguf'), { chunk: cases % 2 ? 16 : undefined });
    for (const t of gguf.tensors) {
      try {
        expect((await gguf.readTensor(t.name)).byteLength, label).toBe(t.byteSize);
      } catch (e) {
        if (!isRuntimeError(e, 'UNSUPPORTED_QUANT')) throw e;
        outcomes.UNSUPPORTED_QUANT++;
      }
    }
    outcomes.parsed++;
  } catch (e) {
    if (!isRuntimeError(e, 'MODEL_FORMAT')) {
      throw new Error(`${label}: expected RuntimeError MODEL_FORMAT or a parse, got ${String(e)}`, { cause: e });
    }
    outcomes.MODEL_FORMAT++;
  } finally {
    observeAllocations(undefined);
  }
  const ms = performance.now() - t0;
  expect(ms, `${label} took ${ms.toFixed(0)} ms`).toBeLessThan(MAX_MS);
  expect(biggest, `${label} allocated ${biggest} bytes for a ${file.length}-byte file`).toBeLessThanOrEqual(
    file.length,
  );
  largest = Math.max(largest, biggest);
  cases++;
}

describe('GGUF reader fuzz', () => {
  const { fields, headerEnd } = fieldsOf(VALID);

  afterAll(() => {
    console.log(
      `fuzz: ${cases} inputs, outcomes ${JSON.stringify(outcomes)}, largest allocation ${largest} B (file ${VALID.length} B)`,
    );
  });

  it('the seed file is valid, the field walk lines up with it, and the allocation hook sees arrays', async () => {
    const seen: number[] = [];
    observeAllocations((n) => seen.push(n));
    const g = await readGguf(bytesSource(VALID), { chunk: 16 });
    observeAllocations(undefined);
    expect(seen).toContain(3 * 4); // tokenizer.ggml.token_type: 3 × i32
    expect(seen[0]).toBe(24); // the first window: the 24-byte header (> the 16-byte chunk)
    expect(g.tensors.map((t) => t.name)).toEqual(['token_embd.weight', 'output_norm.weight', 'blk.0.ffn_gate.weight']);
    expect(Math.ceil(headerEnd / 32) * 32).toBe(g.dataOffset);
    expect(fields.length).toBeGreaterThan(40);
  });

  it('every truncation', async () => {
    for (let n = 0; n < VALID.length; n++) await survive(VALID.slice(0, n), `truncated to ${n}`);
  });

  it('3000 seeded random bit flips (1-4 bits, mostly in the header)', async () => {
    const next = rng(0x9e3779b9);
    for (let i = 0; i < 3000; i++) {
      const file = VALID.slice();
      const flips = 1 + (next() % 4);
      for (let f = 0; f < flips; f++) {
        const at = next() % 8 === 0 ? next() % file.length : next() % headerEnd;
        file[at]! ^= 1 << (next() % 8);
      }
      await survive(file, `bit flips #${i}`);
    }
  });

  it('extreme values in every count, length, dim, offset and type field', async () => {
    const size = VALID.length;
    const u64s = [
      0n,
      1n,
      7n,
      BigInt(size - 1),
      BigInt(size),
      BigInt(size + 1),
      2n ** 31n,
      2n ** 32n - 1n,
      2n ** 32n,
      2n ** 53n,
      2n ** 53n + 1n,
      2n ** 63n,
      2n ** 64n - 1n,
    ];
    const u32s = [0, 1, 4, 5, 9, 12, 13, 31, 200, 2 ** 31, 2 ** 32 - 1];
    for (const f of fields) {
      for (const v of f.kind === 'u64' ? u64s : u32s.map(BigInt)) {
        const file = VALID.slice();
        const dv = new DataView(file.buffer);
        if (f.kind === 'u64') dv.setBigUint64(f.at, v, true);
        else dv.setUint32(f.at, Number(v), true);
        await survive(file, `${f.what} = ${v}`);
      }
    }
    // The header counts too (fieldsOf starts after them).
    for (const at of [8, 16]) {
      for (const v of u64s) {
        const file = VALID.slice();
        new DataView(file.buffer).setBigUint64(at, v, true);
        await survive(file, `count at ${at} = ${v}`);
      }
    }
  });
});
