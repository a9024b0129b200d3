/**
 * The GGUF writer. Returns the file as parts — one header buffer, then each
 * tensor's own bytes (not copied) and its alignment padding — so a 1 GB model
 * goes to disk or a Blob part by part, never as one buffer.
 */
import { RuntimeError } from '@webseek/api';
import { ggmlLayout, ggmlLayoutId, tensorBytes } from './layout.ts';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC } from './reader.ts';
import { GGUF_VALUE_TYPES, type GgufArrayInput, type GgufValueInput, type GgufValueType } from './value.ts';

export interface GgufWriteTensor {
  name: string;
  /** Dims, ne0 first (row length). */
  shape: readonly number[];
  /** ggml type id, or its name ('f32', 'q4_k', …). */
  type: number | string;
  /** Exactly the bytes the shape and type take. */
  data: Uint8Array;
}

export interface GgufWriteSpec {
  version?: 2 | 3;
  /** Data alignment; written as `general.alignment` (u32) unless it is the default 32. */
  alignment?: number;
  /** Written in this order. */
  metadata: readonly (readonly [key: string, value: GgufValueInput])[];
  /** Laid out in this order, each at the next aligned offset. */
  tensors?: readonly GgufWriteTensor[];
}

/** The file as parts to write in order; their concatenation is the GGUF file. */
export function writeGguf(spec: GgufWriteSpec): Uint8Array[] {
  const version = spec.version ?? 3;
  if (version !== 2 && version !== 3) throw invalid(`GGUF version must be 2 or 3, got ${version}`);
  const metadata = withAlignment(spec);
  const alignment = metadata.alignment;
  const tensors = (spec.tensors ?? []).map(checkTensor);
  checkUnique(
    metadata.entries.map(([k]) => k),
    'metadata key',
  );
  checkUnique(
    tensors.map((t) => t.name),
    'tensor name',
  );

  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(version);
  w.u64n(tensors.length);
  w.u64n(metadata.entries.length);
  for (const [key, value] of metadata.entries) {
    w.string(key);
    writeValue(w, value, key);
  }
  let offset = 0;
  for (const t of tensors) {
    w.string(t.name);
    w.u32(t.shape.length);
    for (const ne of t.shape) w.u64n(ne);
    w.u32(t.type);
    w.u64n(offset);
    offset = alignUp(offset + t.data.byteLength, alignment);
  }
  w.pad(alignment);
  const parts = [w.bytes()];
  const zeros = new Uint8Array(alignment);
  for (const t of tensors) {
    parts.push(t.data);
    const pad = alignUp(t.data.byteLength, alignment) - t.data.byteLength;
    if (pad > 0) parts.push(zeros.subarray(0, pad));
  }
  return parts;
}

/** Joins parts into one buffer (tests, small files). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function invalid(message: string, details: Record<string, unknown> = {}): RuntimeError {
  return new RuntimeError('INVALID_ARGUMENT', `writeGguf: ${message}`, { details });
}

/** The metadata with `general.alignment` added when a non-default alignment is asked for. */
function withAlignment(spec: GgufWriteSpec): { entries: (readonly [string, GgufValueInput])[]; alignment: number } {
  const entries = [...spec.metadata];
  const given = entries.find(([k]) => k === 'general.alignment')?.[1];
  if (given && given.type !== 'u32') throw invalid(`metadata "general.alignment" must be a u32, got ${given.type}`);
  const fromMetadata = given?.type === 'u32' ? given.value : undefined;
  const alignment = spec.alignment ?? fromMetadata ?? GGUF_DEFAULT_ALIGNMENT;
  if (
    !(Number.isInteger(alignment) && alignment > 0 && alignment <= 0x80000000 && (alignment & (alignment - 1)) === 0)
  ) {
    throw invalid(`alignment must be a power of two, got ${alignment}`);
  }
  if (fromMetadata !== undefined && fromMetadata !== alignment) {
    throw invalid(`alignment ${alignment} contradicts metadata "general.alignment" = ${fromMetadata}`);
  }
  if (fromMetadata === undefined && alignment !== GGUF_DEFAULT_ALIGNMENT) {
    entries.push(['general.alignment', { type: 'u32', value: alignment }]);
  }
  return { entries, alignment };
}

function checkTensor(t: GgufWriteTensor): { name: string; shape: readonly number[]; type: number; data: Uint8Array } {
  const type = typeof t.type === 'number' ? t.type : ggmlLayoutId(t.type);
  const layout = type === undefined ? undefined : ggmlLayout(type);
  if (type === undefined || !layout) throw invalid(`tensor "${t.name}": unknown ggml type ${JSON.stringify(t.type)}`);
  const dimsOk = t.shape.length >= 1 && t.shape.length <= 4 && t.shape.every((d) => Number.isSafeInteger(d) && d >= 1);
  if (!dimsOk) throw invalid(`tensor "${t.name}": shape [${t.shape}] must have 1..4 positive integer dims`);
  const bytes = tensorBytes(layout, t.shape, Number.MAX_SAFE_INTEGER);
  if (typeof bytes === 'string') throw invalid(`tensor "${t.name}": ${bytes}`);
  if (bytes !== t.data.byteLength) {
    throw invalid(
      `tensor "${t.name}": ${layout.name} [${t.shape}] takes ${bytes} bytes, data has ${t.data.byteLength}`,
      {
        tensor: t.name,
        expected: bytes,
        got: t.data.byteLength,
      },
    );
  }
  return { name: t.name, shape: t.shape, type, data: t.data };
}

function checkUnique(names: string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '' || seen.has(name)) throw invalid(`${what} ${JSON.stringify(name)} is empty or repeated`);
    seen.add(name);
  }
}

// ---- values ----------------------------------------------------------------

const INT_RANGES = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
} as const;

const INT_BYTES = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4 } as const;

const BIG_RANGES = {
  u64: [0n, 2n ** 64n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
} as const;

function typeId(type: GgufValueType): number {
  return GGUF_VALUE_TYPES.indexOf(type);
}

function writeValue(w: ByteWriter, v: GgufValueInput, key: string): void {
  w.u32(typeId(v.type));
  if (v.type === 'array') writeArray(w, v, key);
  else writeScalar(w, v.type, v.value, key);
}

function writeArray(w: ByteWriter, a: GgufArrayInput, key: string): void {
  w.u32(typeId(a.itemType));
  w.u64n(a.value.length);
  for (let i = 0; i < a.value.length; i++) {
    const item = a.value[i]!;
    if (a.itemType === 'array') writeArray(w, item as GgufArrayInput, key);
    else writeScalar(w, a.itemType, item as number | bigint | boolean | string, key);
  }
}

function writeScalar(
  w: ByteWriter,
  type: Exclude<GgufValueType, 'array'>,
  value: number | bigint | boolean | string,
  key: string,
): void {
  const bad = () => invalid(`metadata "${key}": ${String(value)} is not a valid ${type}`, { key, type });
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw bad();
      w.string(value);
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw bad();
      w.u8(value ? 1 : 0);
      return;
    case 'f32':
    case 'f64':
      if (typeof value !== 'number') throw bad();
      if (type === 'f32') w.f32(value);
      else w.f64(value);
      return;
    case 'u64':
    case 'i64': {
      const big = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value as number) : undefined;
      const [lo, hi] = BIG_RANGES[type];
      if (big === undefined || big < lo || big > hi) throw bad();
      if (type === 'u64') w.u64(big);
      else w.i64(big);
      return;
    }
    default: {
      const [lo, hi] = INT_RANGES[type];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) throw bad();
      w.int(type, value);
      return;
    }
  }
}

/** A growable little-endian buffer for the header. */
class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private n = 0;
  private static readonly encoder = new TextEncoder();

  /** Reserves `k` bytes and returns the view to write them through (growing replaces the view). */
  private room(k: number): DataView {
    if (this.n + k > this.buf.byteLength) {
      const bigger = new Uint8Array(Math.max(this.buf.byteLength * 2, this.n + k));
      bigger.set(this.buf.subarray(0, this.n));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    this.n += k;
    return this.view;
  }

  u8(v: number): void {
    this.room(1).setUint8(this.n - 1, v);
  }
  u32(v: number): void {
    this.room(4).setUint32(this.n - 4, v, true);
  }
  f32(v: number): void {
    this.room(4).setFloat32(this.n - 4, v, true);
  }
  f64(v: number): void {
    this.room(8).setFloat64(this.n - 8, v, true);
  }
  u64(v: bigint): void {
    this.room(8).setBigUint64(this.n - 8, v, true);
  }
  i64(v: bigint): void {
    this.room(8).setBigInt64(this.n - 8, v, true);
  }
  int(type: keyof typeof INT_RANGES, v: number): void {
    const size = INT_BYTES[type];
    const view = this.room(size);
    const at = this.n - size;
    if (type === 'u8') view.setUint8(at, v);
    else if (type === 'i8') view.setInt8(at, v);
    else if (type === 'u16') view.setUint16(at, v, true);
    else if (type === 'i16') view.setInt16(at, v, true);
    else if (type === 'u32') view.setUint32(at, v, true);
    else view.setInt32(at, v, true);
  }
  /** A u64 from a safe integer, without a BigInt per string length. */
  u64n(v: number): void {
    const view = this.room(8);
    view.setUint32(this.n - 8, v % 2 ** 32, true);
    view.setUint32(this.n - 4, Math.floor(v / 2 ** 32), true);
  }
  string(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: reserve that, encode in place, give back the rest.
    const at = this.n;
    this.room(8 + 3 * s.length);
    const { written } = ByteWriter.encoder.encodeInto(s, this.buf.subarray(at + 8));
    this.n = at;
    this.u64n(written);
    this.n += written;
  }
  /** Zeros up to the next multiple of `alignment`. */
  pad(alignment: number): void {
    this.room(alignUp(this.n, alignment) - this.n);
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}
