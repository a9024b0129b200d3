/**
 * GGUF reader/writer: round trips (v2, v3), a hand-encoded file, node-llama-cpp's
 * parser as an independent oracle, every validation error, the four byte
 * sources, and the speed of a 152k-token vocabulary header.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRuntimeError } from '@webseek/api';
import {
  blobSource,
  bytesSource,
  concatBytes,
  GGML_TYPES,
  type GgufValue,
  type GgufValueInput,
  type GgufWriteTensor,
  ggmlLayout,
  readGguf,
  urlSource,
  writeGguf,
} from '@webseek/formats';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFileSource } from '../../packages/formats/src/gguf/node-source.ts';

// ---- fixtures -----------------------------------------------------------------

/** Deterministic bytes (xorshift) so tensor data differs per tensor. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

/** Every scalar type at its edges, every array item type, empty and nested arrays. */
const METADATA: [string, GgufValue][] = [
  ['general.architecture', { type: 'string', value: 'qwen2' }],
  ['general.name', { type: 'string', value: 'DeepSeek-R1 蒸馏 🐳' }],
  ['qwen2.context_length', { type: 'u32', value: 0xffffffff }],
  ['test.u8', { type: 'u8', value: 255 }],
  ['test.i8', { type: 'i8', value: -128 }],
  ['test.u16', { type: 'u16', value: 65535 }],
  ['test.i16', { type: 'i16', value: -32768 }],
  ['test.i32', { type: 'i32', value: -2147483648 }],
  ['test.f32', { type: 'f32', value: Math.fround(1e-6) }],
  ['test.f64', { type: 'f64', value: Math.PI }],
  ['test.bool', { type: 'bool', value: true }],
  ['test.u64', { type: 'u64', value: 2n ** 64n - 1n }],
  ['test.i64', { type: 'i64', value: -(2n ** 63n) }],
  ['test.empty_string', { type: 'string', value: '' }],
  ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: ['<|a|>', 'Ġhello', '', '中文'] }],
  ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: Int32Array.of(3, 1, 1, -6) }],
  ['test.a_u8', { type: 'array', itemType: 'u8', value: Uint8Array.of(0, 7, 255) }],
  ['test.a_i8', { type: 'array', itemType: 'i8', value: Int8Array.of(-128, 127) }],
  ['test.a_u16', { type: 'array', itemType: 'u16', value: Uint16Array.of(1, 65535) }],
  ['test.a_i16', { type: 'array', itemType: 'i16', value: Int16Array.of(-1, 2) }],
  ['test.a_u32', { type: 'array', itemType: 'u32', value: Uint32Array.of(0, 4294967295) }],
  ['test.a_f32', { type: 'array', itemType: 'f32', value: Float32Array.of(0.5, -0, Number.POSITIVE_INFINITY) }],
  ['test.a_f64', { type: 'array', itemType: 'f64', value: Float64Array.of(1 / 3) }],
  ['test.a_u64', { type: 'array', itemType: 'u64', value: BigUint64Array.of(0n, 2n ** 64n - 1n) }],
  ['test.a_i64', { type: 'array', itemType: 'i64', value: BigInt64Array.of(-(2n ** 63n), 5n) }],
  ['test.a_bool', { type: 'array', itemType: 'bool', value: [true, false, true] }],
  ['test.a_empty', { type: 'array', itemType: 'f32', value: new Float32Array(0) }],
  [
    'test.nested',
    {
      type: 'array',
      itemType: 'array',
      value: [
        { itemType: 'string', value: ['x', 'yz'] },
        { itemType: 'array', value: [{ itemType: 'i32', value: Int32Array.of(-7) }] },
        { itemType: 'u8', value: new Uint8Array(0) },
      ],
    },
  ],
];

/** One tensor per type webseek runs, one it does not (q5_k), odd shapes where the block allows. */
function tensors(): GgufWriteTensor[] {
  const specs: [string, string, number[]][] = [
    ['token_embd.weight', 'f32', [7, 3]],
    ['output_norm.weight', 'f16', [5]],
    ['blk.0.attn_q.weight', 'q4_0', [32, 3]],
    ['blk.0.attn_k.weight', 'q8_0', [64, 1, 3]],
    ['blk.0.ffn_up.weight', 'q4_k', [256, 3]],
    ['blk.0.ffn_down.weight', 'q6_k', [256, 1, 1, 1]],
    ['blk.0.attn_norm.weight', 'bf16', [9]],
    ['blk.0.ffn_gate.weight', 'q5_k', [256, 1]],
  ];
  return specs.map(([name, type, shape], i) => {
    const layout = ggmlLayout(GGML_TYPES.find((t) => t.name === type)?.id ?? 13)!;
    const n = shape.reduce((a, b) => a * b, 1);
    return { name, type, shape, data: bytes((n / layout.blockValues) * layout.blockBytes, i + 1) };
  });
}

async function expectError(promise: Promise<unknown>, code: string, ...parts: (string | RegExp)[]): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRuntimeError(error), `expected RuntimeError ${code}, got ${String(error)}`).toBe(true);
  const e = error as Error & { code: string };
  expect(e.code, e.message).toBe(code);
  for (const part of parts) expect(e.message).toMatch(part);
  return e;
}

// ---- round trips ------------------------------------------------------------

describe.each([2, 3] as const)('GGUF v%i round trip', (version) => {
  const written = tensors();
  const file = concatBytes(writeGguf({ version, alignment: 64, metadata: METADATA, tensors: written }));

  it('reads back identical metadata, shapes, types and tensor bytes', async () => {
    const gguf = await readGguf(bytesSource(file, 'rt.gguf'));
    expect(gguf.version).toBe(version);
    expect(gguf.alignment).toBe(64);
    expect(gguf.dataOffset % 64).toBe(0);
    expect(gguf.metadata).toEqual(new Map([...METADATA, ['general.alignment', { type: 'u32', value: 64 }]]));
    expect(gguf.tensors.map((t) => [t.name, t.shape, t.typeName])).toEqual(
      written.map((t) => [t.name, t.shape, t.type]),
    );
    for (const t of gguf.tensors) {
      expect(t.byteOffset % 64, t.name).toBe(0);
      if (t.typeName === 'q5_k') continue;
      expect(await gguf.readTensor(t.name)).toEqual(written.find((w) => w.name === t.name)!.data);
    }
    // The last tensor's padding ends the file exactly.
    const last = gguf.tensors.at(-1)!;
    expect(file.byteLength).toBe(Math.ceil((last.byteOffset + last.byteSize!) / 64) * 64);
  });

  it('re-writes what it read byte for byte', async () => {
    const gguf = await readGguf(bytesSource(file));
    const again = writeGguf({
      version: gguf.version,
      metadata: [...gguf.metadata],
      tensors: await Promise.all(
        gguf.tensors.map(async (t) => ({
          ...t,
          data: file.subarray(t.byteOffset, t.byteOffset + t.byteSize!),
        })),
      ),
    });
    expect(concatBytes(again)).toEqual(file);
  });

  it('refuses data of a type webseek does not run, naming the tensor and the supported types', async () => {
    const gguf = await readGguf(bytesSource(file, 'rt.gguf'));
    expect(gguf.tensor('blk.0.ffn_gate.weight').byteSize).toBe(176);
    await expectError(
      gguf.readTensor('blk.0.ffn_gate.weight'),
      'UNSUPPORTED_QUANT',
      'rt.gguf',
      '"blk.0.ffn_gate.weight"',
      'q5_k',
      /q4_k\(12\)/,
    );
    await expectError(gguf.readTensor('nope'), 'MODEL_FORMAT', '"nope"');
  });
});

describe('GGUF format', () => {
  it('matches a file encoded by hand from the spec', async () => {
    const enc = new TextEncoder();
    const parts: number[] = [];
    const u32 = (v: number) => parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    const u64 = (v: number) => {
      u32(v);
      u32(0);
    };
    const str = (s: string) => {
      u64(enc.encode(s).length);
      parts.push(...enc.encode(s));
    };
    parts.push(0x47, 0x47, 0x55, 0x46); // "GGUF"
    u32(3);
    u64(1); // tensors
    u64(2); // kvs
    str('general.architecture');
    u32(8);
    str('qwen2');
    str('qwen2.block_count');
    u32(4);
    u32(28);
    str('w');
    u32(2);
    u64(3);
    u64(1);
    u32(0); // f32
    u64(0);
    while (parts.length % 32) parts.push(0);
    const dataAt = parts.length;
    for (const f of [1.5, -2, 0.25]) parts.push(...new Uint8Array(Float32Array.of(f).buffer));
    while (parts.length % 32) parts.push(0);
    const hand = Uint8Array.from(parts);

    const gguf = await readGguf(bytesSource(hand));
    expect(gguf.getString('general.architecture')).toBe('qwen2');
    expect(gguf.getU32('qwen2.block_count')).toBe(28);
    expect(gguf.tensors).toEqual([
      { name: 'w', shape: [3, 1], type: 0, typeName: 'f32', byteOffset: dataAt, byteSize: 12 },
    ]);
    expect(new Float32Array((await gguf.readTensor('w')).slice().buffer)).toEqual(Float32Array.of(1.5, -2, 0.25));

    const written = writeGguf({
      metadata: [
        ['general.architecture', { type: 'string', value: 'qwen2' }],
        ['qwen2.block_count', { type: 'u32', value: 28 }],
      ],
      tensors: [{ name: 'w', shape: [3, 1], type: 'f32', data: hand.subarray(dataAt, dataAt + 12) }],
    });
    expect(concatBytes(written)).toEqual(hand);
  });

  it("agrees with node-llama-cpp's parser (an independent GGUF reader)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gguf-'));
    try {
      const path = join(dir, 'oracle.gguf');
      const written = tensors();
      await writeFile(path, concatBytes(writeGguf({ alignment: 64, metadata: METADATA, tensors: written })));
      const info = await readGgufFileInfo(path, { sourceType: 'filesystem', logWarnings: false });
      const ours = await readGguf(
        bytesSource(concatBytes(writeGguf({ alignment: 64, metadata: METADATA, tensors: written }))),
      );
      const meta = info.metadata as unknown as Record<string, Record<string, unknown>>;
      expect(meta['general']!['architecture']).toBe('qwen2');
      expect(meta['qwen2']!['context_length']).toBe(0xffffffff);
      expect(meta['tokenizer']!['ggml']).toMatchObject({
        tokens: ['<|a|>', 'Ġhello', '', '中文'],
        token_type: [3, 1, 1, -6],
      });
      expect(meta['test']!['i64']).toBe(-(2n ** 63n));
      expect(
        info.tensorInfo!.map((t) => ({
          name: t.name,
          shape: t.dimensions.map(Number),
          type: t.ggmlType,
          at: Number(t.fileOffset),
        })),
      ).toEqual(ours.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type, at: t.byteOffset })));
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('knows the block layout of every type ggml.ts runs, identically', () => {
    for (const t of GGML_TYPES)
      expect(ggmlLayout(t.id), t.name).toEqual({ name: t.name, blockValues: t.blockValues, blockBytes: t.blockBytes });
  });
});

// ---- accessors ----------------------------------------------------------------

describe('typed metadata accessors', () => {
  const file = concatBytes(writeGguf({ metadata: METADATA }));

  it('return plain values and narrow arrays by item type', async () => {
    const g = await readGguf(bytesSource(file, 'acc.gguf'));
    expect(g.getString('general.architecture')).toBe('qwen2');
    expect(g.getU32('qwen2.context_length')).toBe(0xffffffff);
    expect(g.getU32('test.u16')).toBe(65535);
    expect(g.getF32('test.f32')).toBe(Math.fround(1e-6));
    expect(g.getBool('test.bool')).toBe(true);
    expect(g.getArray('tokenizer.ggml.tokens', { itemType: 'string' }).value[1]).toBe('Ġhello');
    expect(g.getArray('tokenizer.ggml.token_type', { itemType: 'i32' }).value).toEqual(Int32Array.of(3, 1, 1, -6));
    expect(g.getString('general.missing', { required: false })).toBeUndefined();
    expect(g.getU32('general.missing', { required: false })).toBeUndefined();
  });

  it('throw MODEL_FORMAT naming the key when missing or of the wrong type', async () => {
    const g = await readGguf(bytesSource(file, 'acc.gguf'));
    const cases: [() => unknown, string][] = [
      [() => g.getString('qwen2.rope.freq_base'), 'missing'],
      [() => g.getString('qwen2.context_length'), 'expected a string, found u32'],
      [() => g.getU32('test.i8'), 'expected an integer in 0..2^32-1, found i8 -128'],
      [() => g.getU32('test.u64'), 'found u64'],
      [() => g.getU32('test.f32'), 'found f32'],
      [() => g.getF32('test.u8'), 'expected an f32, found u8'],
      [() => g.getBool('test.u8'), 'expected a bool'],
      [
        () => g.getArray('tokenizer.ggml.tokens', { itemType: 'i32' }),
        'expected an array of i32, found an array of string',
      ],
      [() => g.getArray('general.architecture'), 'expected an array, found string qwen2'],
      [() => g.getArray('test.absent', { required: true }), 'missing'],
    ];
    for (const [call, text] of cases) {
      const e = await expectError(Promise.resolve().then(call), 'MODEL_FORMAT', 'acc.gguf', text);
      expect(e.message).toMatch(/"(qwen2|test|tokenizer|general)\./);
    }
  });
});

// ---- validation -------------------------------------------------------------

/** A small valid file and the byte offsets of its fields, to patch. */
function patchable() {
  const file = concatBytes(
    writeGguf({
      metadata: [
        ['general.architecture', { type: 'string', value: 'qwen2' }],
        ['test.key1', { type: 'bool', value: false }],
        ['test.key2', { type: 'u8', value: 7 }],
        ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: ['x', 'yz'] }],
      ],
      tensors: [
        { name: 'tensor.a', shape: [32, 3], type: 'q8_0', data: bytes(102, 1) },
        { name: 'tensor.b', shape: [5], type: 'f32', data: bytes(20, 2) },
      ],
    }),
  );
  /** Where the bytes of the length-prefixed string `text` start. */
  const find = (text: string) => {
    const needle = new TextEncoder().encode(text);
    for (let i = 8; i + needle.length <= file.length; i++) {
      if (file[i - 8] === needle.length && needle.every((b, k) => file[i + k] === b)) return i;
    }
    throw new Error(`no length-prefixed "${text}"`);
  };
  // Tensor info: name, u32 n_dims, u64 ne[n], u32 type, u64 offset.
  const info = (name: string, nDims: number) => {
    const nDimsAt = find(name) + name.length;
    return { nDimsAt, ne0At: nDimsAt + 4, typeAt: nDimsAt + 4 + 8 * nDims, offsetAt: nDimsAt + 8 + 8 * nDims };
  };
  const dv = () => new DataView(file.buffer);
  return { file, find, a: info('tensor.a', 2), b: info('tensor.b', 1), dv };
}

describe('validation before trust', () => {
  type Case = [
    what: string,
    patch: (p: ReturnType<typeof patchable>) => Uint8Array,
    code: string,
    ...parts: (string | RegExp)[],
  ];
  const u32 = (p: ReturnType<typeof patchable>, at: number, v: number) => {
    p.dv().setUint32(at, v, true);
    return p.file;
  };
  const u64 = (p: ReturnType<typeof patchable>, at: number, v: bigint) => {
    p.dv().setBigUint64(at, v, true);
    return p.file;
  };
  const u8 = (p: ReturnType<typeof patchable>, at: number, v: number) => {
    p.file[at] = v;
    return p.file;
  };
  const cases: Case[] = [
    ['bad magic', (p) => u32(p, 0, 0x4c4d4747), 'MODEL_FORMAT', 'magic', 'expected "GGUF", found "GGML"', 'at byte 0'],
    ['version 1', (p) => u32(p, 4, 1), 'MODEL_FORMAT', 'version', 'version 1', 'at byte 4'],
    ['big endian', (p) => u32(p, 4, 0x03000000), 'MODEL_FORMAT', 'big-endian'],
    ['too short for a header', (p) => p.file.subarray(0, 20), 'MODEL_FORMAT', 'header', 'the file ends after 20'],
    ['tensor count past the file', (p) => u64(p, 8, 2n ** 62n), 'MODEL_FORMAT', 'tensor count', 'at byte 8'],
    ['kv count past the file', (p) => u64(p, 16, 10_000n), 'MODEL_FORMAT', 'kv count', 'found 10000', 'at byte 16'],
    ['key length past the file', (p) => u64(p, 24, 2n ** 40n), 'MODEL_FORMAT', 'metadata key #0', 'at byte 24'],
    [
      'unknown value type',
      (p) => u32(p, p.find('general.architecture') + 20, 13),
      'MODEL_FORMAT',
      'value type',
      'found 13',
    ],
    [
      'bool byte 2',
      (p) => u8(p, p.find('test.key1') + 13, 2),
      'MODEL_FORMAT',
      '"test.key1"',
      'bool byte 0 or 1',
      'found 2',
    ],
    [
      'array count past the file',
      (p) => u64(p, p.find('tokenizer.ggml.tokens') + 25, 2n ** 61n),
      'MODEL_FORMAT',
      '"tokenizer.ggml.tokens"',
      /array count/,
    ],
    [
      'array string length',
      (p) => u64(p, p.find('yz') - 8, 99999n),
      'MODEL_FORMAT',
      '"tokenizer.ggml.tokens"[1]',
      'found 99999',
    ],
    [
      'duplicate key',
      (p) => u8(p, p.find('test.key2') + 8, '1'.charCodeAt(0)),
      'MODEL_FORMAT',
      'metadata key #2',
      'not seen before',
      '"test.key1"',
    ],
    ['n_dims 0', (p) => u32(p, p.a.nDimsAt, 0), 'MODEL_FORMAT', 'tensor "tensor.a" n_dims', 'expected 1..4, found 0'],
    ['n_dims 5', (p) => u32(p, p.a.nDimsAt, 5), 'MODEL_FORMAT', 'tensor "tensor.a" n_dims', 'found 5'],
    ['dim 0', (p) => u64(p, p.a.ne0At + 8, 0n), 'MODEL_FORMAT', 'tensor "tensor.a" ne[1]', 'found 0'],
    [
      'row not whole blocks',
      (p) => u64(p, p.a.ne0At, 33n),
      'MODEL_FORMAT',
      'tensor "tensor.a"',
      'ne0 = 33 is not a multiple',
      /q8_0 block of 32/,
    ],
    [
      'misaligned offset',
      (p) => u64(p, p.b.offsetAt, 136n),
      'MODEL_FORMAT',
      'tensor "tensor.b" offset',
      'multiple of the alignment 32',
      'found 136',
    ],
    [
      'overlap',
      (p) => u64(p, p.b.offsetAt, 96n),
      'MODEL_FORMAT',
      'tensor "tensor.b"',
      'after the end of tensor "tensor.a"',
    ],
    [
      'data past the end',
      (p) => u64(p, p.a.ne0At + 8, 7n),
      'MODEL_FORMAT',
      'tensor "tensor.a"',
      'inside the',
      /238 bytes of q8_0/,
    ],
    [
      'truncated data',
      (p) => p.file.subarray(0, p.file.length - 32),
      'MODEL_FORMAT',
      'tensor "tensor.b"',
      'inside the',
    ],
    ['dim past 2^53', (p) => u64(p, p.a.ne0At + 8, 2n ** 60n), 'MODEL_FORMAT', 'ne[1]'],
    [
      'huge dims overflow',
      (p) => u64(p, p.a.ne0At + 8, 2n ** 52n) && u64(p, p.a.ne0At, 2n ** 52n),
      'MODEL_FORMAT',
      'tensor "tensor.a"',
      'inside the',
    ],
  ];
  it.each(cases)('%s', async (_what, patch, code, ...parts) => {
    await expectError(readGguf(bytesSource(patch(patchable()), 'bad.gguf')), code, 'bad.gguf', ...parts);
  });

  it('parses a tensor of an unknown type id but refuses its data', async () => {
    const p = patchable();
    const g = await readGguf(bytesSource(u32(p, p.b.typeAt, 200), 'odd.gguf'));
    expect(g.tensor('tensor.b')).toMatchObject({ type: 200, typeName: undefined, byteSize: undefined });
    await expectError(
      g.readTensor('tensor.b'),
      'UNSUPPORTED_QUANT',
      'odd.gguf',
      'tensor "tensor.b"',
      'id 200',
      /supported: .*q6_k\(14\)/,
    );
    expect((await g.readTensor('tensor.a')).byteLength).toBe(102);
  });

  it('refuses general.alignment that is not a u32 power of two', async () => {
    const file = concatBytes(writeGguf({ metadata: [['general.alignment', { type: 'u32', value: 16 }]] }));
    const at = (() => {
      const g = new TextEncoder().encode('general.alignment');
      for (let i = 0; ; i++) if (g.every((b, k) => file[i + k] === b)) return i + g.length + 4;
    })();
    new DataView(file.buffer).setUint32(at, 48, true);
    await expectError(
      readGguf(bytesSource(file, 'al.gguf')),
      'MODEL_FORMAT',
      '"general.alignment"',
      'found u32 48',
      `at byte ${at}`,
    );
  });

  it('reads arrays nested 8 deep, refuses 9', async () => {
    const nest = (levels: number) => {
      let v: GgufValueInput & { type: 'array' } = { type: 'array', itemType: 'u8', value: [1] };
      for (let d = 1; d < levels; d++) v = { type: 'array', itemType: 'array', value: [v] };
      return concatBytes(writeGguf({ metadata: [['deep', v]] }));
    };
    expect((await readGguf(bytesSource(nest(8)))).metadata.get('deep')).toMatchObject({ itemType: 'array' });
    await expectError(readGguf(bytesSource(nest(9))), 'MODEL_FORMAT', 'nested at most 8');
  });
});

describe('writer input checks', () => {
  const t = (over: Partial<GgufWriteTensor>): GgufWriteTensor => ({
    name: 't',
    shape: [32],
    type: 'q8_0',
    data: new Uint8Array(34),
    ...over,
  });
  it.each([
    ['wrong data size', { tensors: [t({ data: new Uint8Array(33) })] }, 'takes 34 bytes, data has 33'],
    ['partial block', { tensors: [t({ shape: [31] })] }, 'not a multiple'],
    ['five dims', { tensors: [t({ shape: [32, 1, 1, 1, 1] })] }, '1..4 positive'],
    ['unknown type', { tensors: [t({ type: 'q9_9' })] }, 'unknown ggml type "q9_9"'],
    ['duplicate tensor', { tensors: [t({}), t({})] }, 'tensor name "t"'],
    ['u8 out of range', { metadata: [['k', { type: 'u8', value: 256 }]] }, '"k": 256 is not a valid u8'],
    ['i32 not integer', { metadata: [['k', { type: 'i32', value: 1.5 }]] }, 'not a valid i32'],
    ['u64 negative', { metadata: [['k', { type: 'u64', value: -1n }]] }, 'not a valid u64'],
    [
      'string item not a string',
      { metadata: [['k', { type: 'array', itemType: 'string', value: [1 as unknown as string] }]] },
      'not a valid string',
    ],
    [
      'duplicate key',
      {
        metadata: [
          ['k', { type: 'u8', value: 1 }],
          ['k', { type: 'u8', value: 1 }],
        ],
      },
      'metadata key "k"',
    ],
    ['alignment 48', { alignment: 48 }, 'power of two'],
  ] as const)('%s', (_what, spec, text) => {
    expect(() => writeGguf({ metadata: [], ...(spec as object) })).toThrow(text);
  });
});

// ---- sources -----------------------------------------------------------------

describe('byte sources', () => {
  const file = concatBytes(writeGguf({ version: 3, metadata: METADATA, tensors: tensors() }));
  let dir: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gguf-src-'));
    await writeFile(join(dir, 'm.gguf'), file);
    server = createServer((req, res) => {
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (req.url === '/missing.gguf') {
        res.writeHead(404).end();
        return;
      }
      if (req.url === '/norange.gguf' || !range) {
        res.writeHead(200, { 'content-length': file.length });
        res.end(req.method === 'HEAD' ? undefined : file);
        return;
      }
      const [start, end] = [Number(range[1]), Math.min(Number(range[2]), file.length - 1)];
      res.writeHead(206, {
        'content-range': `bytes ${start}-${end}/${file.length}`,
        'content-length': end - start + 1,
      });
      res.end(file.subarray(start, end + 1));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((ok) => server.close(ok));
    await rm(dir, { recursive: true });
  });

  async function sameAsBytes(source: Parameters<typeof readGguf>[0]) {
    const g = await readGguf(source, { chunk: 256 });
    const want = await readGguf(bytesSource(file));
    expect(g.metadata).toEqual(want.metadata);
    expect(g.tensors).toEqual(want.tensors);
    for (const t of g.tensors.filter((t) => t.typeName !== 'q5_k')) {
      expect(await g.readTensor(t.name)).toEqual(await want.readTensor(t.name));
    }
  }

  it('Blob', async () => {
    await sameAsBytes(blobSource(new Blob([file.slice()])));
    expect(blobSource(new File([file.slice()], 'picked.gguf')).name).toBe('picked.gguf');
  });

  it('Node file', async () => {
    const source = await nodeFileSource(join(dir, 'm.gguf'));
    try {
      await sameAsBytes(source);
    } finally {
      await source.close();
    }
  });

  it('HTTP Range', async () => {
    const source = await urlSource(`${base}/m.gguf`);
    expect(source.size).toBe(file.length);
    await sameAsBytes(source);
  });

  it('HTTP: a server that ignores Range, or a 404, is a NETWORK error', async () => {
    await expectError(urlSource(`${base}/norange.gguf`), 'NETWORK', 'norange.gguf', 'ignored the Range request', '206');
    await expectError(urlSource(`${base}/missing.gguf`), 'NETWORK', 'HTTP 404');
    const sized = await urlSource(`${base}/norange.gguf`, { size: file.length, name: 'given-size' });
    await expectError(sized.read(0, 24), 'NETWORK', 'given-size', 'ignored the Range request');
  });
});

// ---- speed -------------------------------------------------------------------

describe('large vocabulary header', () => {
  it('parses 152k tokens + 151k merges in well under a second', async () => {
    const n = 152_064;
    const tokens = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? `Ġ中${i}` : `tok${i}`));
    const merges = Array.from({ length: n - 1000 }, (_, i) => `Ġ t${i}`);
    const file = concatBytes(
      writeGguf({
        metadata: [
          ['general.architecture', { type: 'string', value: 'qwen2' }],
          ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: tokens }],
          ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: new Int32Array(n).fill(1) }],
          ['tokenizer.ggml.merges', { type: 'array', itemType: 'string', value: merges }],
        ],
        tensors: [{ name: 'token_embd.weight', shape: [32, 5], type: 'q8_0', data: bytes(170, 3) }],
      }),
    );
    const dir = await mkdtemp(join(tmpdir(), 'gguf-big-'));
    try {
      await writeFile(join(dir, 'v.gguf'), file);
      // CPU time is the bound (wall time on this shared 2-core machine mostly measures the neighbours).
      const times: Record<string, { wall: number; cpu: number }> = {};
      const file_ = await nodeFileSource(join(dir, 'v.gguf'));
      for (const [label, source] of [
        ['bytes', bytesSource(file)],
        ['file', file_],
        ['blob', blobSource(new Blob([file.slice()]))],
      ] as const) {
        const [t0, c0] = [performance.now(), process.cpuUsage()];
        const g = await readGguf(source);
        const cpu = process.cpuUsage(c0);
        times[label] = { wall: Math.round(performance.now() - t0), cpu: Math.round((cpu.user + cpu.system) / 1000) };
        expect(g.getArray('tokenizer.ggml.tokens', { itemType: 'string' }).value).toEqual(tokens);
        expect(g.getArray('tokenizer.ggml.merges', { itemType: 'string' }).value.at(-1)).toBe(merges.at(-1));
      }
      await file_.close();
      console.log(`152k-token header (${(file.length / 1e6).toFixed(1)} MB) parse ms:`, JSON.stringify(times));
      for (const { cpu } of Object.values(times)) expect(cpu).toBeLessThan(1000);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
