/**
 * The GGUF reader: parses and checks the header (metadata and tensor infos)
 * through a ByteSource, then serves typed metadata and raw tensor bytes.
 *
 * File layout (v2 and v3 are the same; v1 had u32 counts and is refused):
 *   "GGUF" u32 version, u64 n_tensors, u64 n_kv,
 *   n_kv × (string key, u32 value type, value),
 *   n_tensors × (string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset),
 *   padding to `general.alignment` (default 32), tensor data (offsets relative to here).
 */
import { RuntimeError } from '@webseek/api';
import { GGML_TYPES, ggmlType } from '../ggml.ts';
import { Cursor, type CursorOptions, formatError } from './cursor.ts';
import { ggmlLayout, tensorBytes } from './layout.ts';
import type { ByteSource } from './source.ts';
import type { GgufArray, GgufArrayItemType, GgufValue } from './value.ts';
import { readString, readValue, readValueType } from './values-read.ts';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_DEFAULT_ALIGNMENT = 32;
const MAX_DIMS = 4;
/** Smallest encodings: a KV is key length + type + a 1-byte value; a tensor info has a 1-dim shape. */
const MIN_KV_BYTES = 8 + 4 + 1;
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;

export interface GgufTensor {
  name: string;
  /** Dims, ne0 first (ne0 = row length, contiguous in memory). */
  shape: number[];
  /** ggml type id (GGML_TYPE). */
  type: number;
  /** ggml's name for the type ('q4_k', 'iq2_xs', …), undefined for an id no ggml version defines. */
  typeName: string | undefined;
  /** Absolute offset of the first byte in the file. */
  byteOffset: number;
  /** Bytes the data takes; undefined only when `typeName` is (then readTensor refuses it). */
  byteSize: number | undefined;
}

export type ReadGgufOptions = CursorOptions;

type Required_ = { required?: true };
type Optional_ = { required: false };
type Maybe = { required?: boolean };
type ArrayOf<T extends GgufArrayItemType> = Extract<GgufArray, { itemType: T }>;

/** Parses and validates a GGUF header from `source`. Tensor data is not read. */
export async function readGguf(source: ByteSource, options: ReadGgufOptions = {}): Promise<Gguf> {
  const c = new Cursor(source, options);
  const { version, tensorCount, kvCount } = await readHeader(c);
  const { metadata, offsets } = await readMetadata(c, kvCount);
  const alignment = alignmentOf(c.name, metadata, offsets);
  const infos = await readTensorInfos(c, tensorCount);
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  const tensors = placeTensors(c.name, c.size, infos, dataOffset, alignment);
  return new Gguf(source, version, alignment, dataOffset, metadata, tensors);
}

export class Gguf {
  private readonly byName: Map<string, GgufTensor>;

  constructor(
    readonly source: ByteSource,
    readonly version: 2 | 3,
    /** `general.alignment`, or 32. */
    readonly alignment: number,
    /** Absolute offset of the tensor data section. */
    readonly dataOffset: number,
    /** Every key → value in file order, typed as stored. */
    readonly metadata: ReadonlyMap<string, GgufValue>,
    /** In file order. */
    readonly tensors: readonly GgufTensor[],
  ) {
    this.byName = new Map(tensors.map((t) => [t.name, t]));
  }

  get name(): string {
    return this.source.name;
  }

  getString(key: string, options?: Required_): string;
  getString(key: string, options: Optional_ | Maybe): string | undefined;
  getString(key: string, options: Maybe = {}): string | undefined {
    const v = this.lookup(key, options, 'a string');
    if (v === undefined || v.type === 'string') return v?.value;
    throw this.wrongType(key, 'a string', v);
  }

  /** Any integer type whose value fits in a u32 (converters disagree on u32 vs i32 for counts). */
  getU32(key: string, options?: Required_): number;
  getU32(key: string, options: Optional_ | Maybe): number | undefined;
  getU32(key: string, options: Maybe = {}): number | undefined {
    const v = this.lookup(key, options, 'a u32');
    if (v === undefined) return undefined;
    const n = v.type === 'u64' || v.type === 'i64' ? Number(v.value) : v.value;
    const integer = v.type !== 'f32' && v.type !== 'f64' && v.type !== 'bool' && typeof n === 'number';
    if (integer && Number.isInteger(n) && n >= 0 && n <= 0xffffffff) return n;
    throw this.wrongType(key, 'an integer in 0..2^32-1', v);
  }

  /** An f32 (or f64) value. */
  getF32(key: string, options?: Required_): number;
  getF32(key: string, options: Optional_ | Maybe): number | undefined;
  getF32(key: string, options: Maybe = {}): number | undefined {
    const v = this.lookup(key, options, 'an f32');
    if (v === undefined || v.type === 'f32' || v.type === 'f64') return v?.value;
    throw this.wrongType(key, 'an f32', v);
  }

  getBool(key: string, options?: Required_): boolean;
  getBool(key: string, options: Optional_ | Maybe): boolean | undefined;
  getBool(key: string, options: Maybe = {}): boolean | undefined {
    const v = this.lookup(key, options, 'a bool');
    if (v === undefined || v.type === 'bool') return v?.value;
    throw this.wrongType(key, 'a bool', v);
  }

  /** An array value; with `itemType`, also checks (and narrows to) that item type. */
  getArray<T extends GgufArrayItemType = GgufArrayItemType>(
    key: string,
    options?: { itemType?: T } & Required_,
  ): ArrayOf<T>;
  getArray<T extends GgufArrayItemType = GgufArrayItemType>(
    key: string,
    options: { itemType?: T } & (Optional_ | Maybe),
  ): ArrayOf<T> | undefined;
  getArray(key: string, options: { itemType?: GgufArrayItemType } & Maybe = {}): GgufArray | undefined {
    const expected = options.itemType ? `an array of ${options.itemType}` : 'an array';
    const v = this.lookup(key, options, expected);
    if (v === undefined) return undefined;
    if (v.type === 'array' && (options.itemType === undefined || v.itemType === options.itemType)) return v;
    throw this.wrongType(key, expected, v);
  }

  /** The tensor called `name`; MODEL_FORMAT if the file has none. */
  tensor(name: string): GgufTensor {
    const t = this.byName.get(name);
    if (!t) {
      throw new RuntimeError(
        'MODEL_FORMAT',
        `${this.name}: no tensor "${name}" (the file has ${this.tensors.length})`,
        {
          details: { file: this.name, tensor: name },
        },
      );
    }
    return t;
  }

  /** The tensor's raw bytes as stored; UNSUPPORTED_QUANT when its type is not one webseek runs. */
  async readTensor(name: string): Promise<Uint8Array> {
    const t = this.tensor(name);
    checkSupported(this.name, t);
    return this.source.read(t.byteOffset, t.byteSize!);
  }

  private lookup(key: string, options: Maybe, expected: string): GgufValue | undefined {
    const v = this.metadata.get(key);
    if (v === undefined && options.required !== false) {
      throw new RuntimeError('MODEL_FORMAT', `${this.name}: metadata key "${key}" is missing (expected ${expected})`, {
        details: { file: this.name, key, expected },
      });
    }
    return v;
  }

  private wrongType(key: string, expected: string, v: GgufValue): RuntimeError {
    const found = v.type === 'array' ? `an array of ${v.itemType}` : `${v.type} ${String(v.value).slice(0, 40)}`;
    return new RuntimeError(
      'MODEL_FORMAT',
      `${this.name}: metadata key "${key}": expected ${expected}, found ${found}`,
      {
        details: { file: this.name, key, expected, found },
      },
    );
  }
}

function checkSupported(file: string, t: GgufTensor): void {
  try {
    ggmlType(t.type);
    if (t.byteSize !== undefined) return;
  } catch {
    // rethrown below with the tensor named
  }
  const supported = GGML_TYPES.map((s) => `${s.name}(${s.id})`).join(', ');
  throw new RuntimeError(
    'UNSUPPORTED_QUANT',
    `${file}: tensor "${t.name}" has ggml type ${t.typeName ?? 'unknown'} (id ${t.type}), which webseek does not run; supported: ${supported}`,
    { details: { file, tensor: t.name, type: t.type, typeName: t.typeName } },
  );
}

// ---- header ---------------------------------------------------------------

async function readHeader(c: Cursor): Promise<{ version: 2 | 3; tensorCount: number; kvCount: number }> {
  await c.need(24, 'header');
  const magic = c.u32();
  if (magic !== GGUF_MAGIC) throw formatError(c.name, 'magic', '"GGUF"', describeMagic(magic), 0);
  const version = c.u32();
  if (version !== 2 && version !== 3)
    throw formatError(c.name, 'version', 'GGUF version 2 or 3', describeVersion(version), 4);
  const tensorCount = c.u64n();
  const kvCount = c.u64n();
  const left = c.remaining;
  if (tensorCount * MIN_TENSOR_INFO_BYTES > left) {
    throw formatError(
      c.name,
      'tensor count',
      `≤ ${Math.floor(left / MIN_TENSOR_INFO_BYTES)} (${left} bytes left)`,
      String(tensorCount),
      8,
    );
  }
  if (kvCount * MIN_KV_BYTES + tensorCount * MIN_TENSOR_INFO_BYTES > left) {
    throw formatError(
      c.name,
      'metadata kv count',
      `a count whose entries fit in the ${left} bytes left`,
      String(kvCount),
      16,
    );
  }
  return { version, tensorCount, kvCount };
}

function describeMagic(magic: number): string {
  const bytes = [magic & 0xff, (magic >> 8) & 0xff, (magic >> 16) & 0xff, magic >>> 24];
  const printable = bytes.every((b) => b >= 0x20 && b < 0x7f);
  return printable
    ? JSON.stringify(String.fromCharCode(...bytes))
    : `bytes ${bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

function describeVersion(version: number): string {
  if (version === 1) return 'version 1 (pre-2023 GGUF with 32-bit counts; re-convert the model)';
  if (version === 0x02000000 || version === 0x03000000)
    return `${version} (a big-endian GGUF; only little-endian is read)`;
  return String(version);
}

/** The KVs, and where each value starts (for errors found after parsing). */
async function readMetadata(
  c: Cursor,
  kvCount: number,
): Promise<{ metadata: Map<string, GgufValue>; offsets: Map<string, number> }> {
  const metadata = new Map<string, GgufValue>();
  const offsets = new Map<string, number>();
  for (let i = 0; i < kvCount; i++) {
    const keyAt = c.pos;
    const key = await readString(c, `metadata key #${i}`);
    if (key === '' || metadata.has(key)) {
      throw formatError(c.name, `metadata key #${i}`, 'a non-empty key not seen before', JSON.stringify(key), keyAt);
    }
    const type = await readValueType(c, `metadata "${key}" value type`);
    offsets.set(key, c.pos);
    metadata.set(key, await readValue(c, type, `metadata "${key}"`));
  }
  return { metadata, offsets };
}

function alignmentOf(
  file: string,
  metadata: ReadonlyMap<string, GgufValue>,
  offsets: ReadonlyMap<string, number>,
): number {
  const v = metadata.get('general.alignment');
  if (v === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const ok = v.type === 'u32' && v.value > 0 && (v.value & (v.value - 1)) === 0;
  if (!ok) {
    const found = v.type === 'array' ? 'an array' : `${v.type} ${String(v.value)}`;
    throw formatError(
      file,
      'metadata "general.alignment"',
      'a u32 power of two',
      found,
      offsets.get('general.alignment')!,
    );
  }
  return v.value as number;
}

// ---- tensor infos -----------------------------------------------------------

interface TensorInfo {
  name: string;
  shape: number[];
  type: number;
  /** Relative to the data section. */
  offset: number;
  /** Where the info starts, for error messages. */
  at: number;
}

async function readTensorInfos(c: Cursor, count: number): Promise<TensorInfo[]> {
  const infos: TensorInfo[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const at = c.pos;
    const name = await readString(c, `tensor #${i} name`);
    if (name === '' || seen.has(name)) {
      throw formatError(c.name, `tensor #${i} name`, 'a non-empty name not seen before', JSON.stringify(name), at);
    }
    seen.add(name);
    const field = `tensor "${name}"`;
    const shape = await readShape(c, field);
    await c.need(12, field);
    const type = c.u32();
    const offset = c.u64n();
    infos.push({ name, shape, type, offset, at });
  }
  return infos;
}

async function readShape(c: Cursor, field: string): Promise<number[]> {
  await c.need(4, field);
  const nDims = c.u32();
  if (nDims < 1 || nDims > MAX_DIMS)
    throw formatError(c.name, `${field} n_dims`, `1..${MAX_DIMS}`, String(nDims), c.pos - 4);
  await c.need(8 * nDims, field);
  const shape: number[] = [];
  for (let d = 0; d < nDims; d++) {
    const ne = c.u64n();
    if (ne < 1 || ne > Number.MAX_SAFE_INTEGER) {
      throw formatError(c.name, `${field} ne[${d}]`, 'a dim ≥ 1 (and < 2^53)', String(ne), c.pos - 8);
    }
    shape.push(ne);
  }
  return shape;
}

/** Sizes every tensor and checks alignment, bounds and overlaps. */
function placeTensors(
  file: string,
  size: number,
  infos: TensorInfo[],
  dataOffset: number,
  alignment: number,
): GgufTensor[] {
  const tensors = infos.map((info): GgufTensor => {
    const field = `tensor "${info.name}"`;
    if (info.offset % alignment !== 0) {
      throw formatError(
        file,
        `${field} offset`,
        `a multiple of the alignment ${alignment}`,
        String(info.offset),
        info.at,
      );
    }
    const byteOffset = dataOffset + info.offset;
    const layout = ggmlLayout(info.type);
    const bytes = layout ? tensorBytes(layout, info.shape, size) : 0;
    if (typeof bytes === 'string')
      throw formatError(file, `${field} shape [${info.shape}]`, 'whole blocks per row', bytes, info.at);
    if (byteOffset + bytes > size || (bytes === 0 && byteOffset >= size)) {
      const what = layout
        ? `${bytes} bytes of ${layout.name} [${info.shape}] at ${byteOffset}`
        : `data at ${byteOffset}`;
      throw formatError(file, field, `data inside the ${size}-byte file`, what, info.at);
    }
    return {
      name: info.name,
      shape: info.shape,
      type: info.type,
      typeName: layout?.name,
      byteOffset,
      byteSize: layout ? bytes : undefined,
    };
  });
  checkOverlaps(file, tensors, infos);
  return tensors;
}

function checkOverlaps(file: string, tensors: GgufTensor[], infos: TensorInfo[]): void {
  const order = tensors.map((_, i) => i).sort((a, b) => tensors[a]!.byteOffset - tensors[b]!.byteOffset);
  let prev: GgufTensor | undefined;
  for (const i of order) {
    const t = tensors[i]!;
    if (prev && prev.byteOffset + (prev.byteSize ?? 1) > t.byteOffset) {
      throw formatError(
        file,
        `tensor "${t.name}"`,
        `data after the end of tensor "${prev.name}" (byte ${prev.byteOffset + (prev.byteSize ?? 1)})`,
        `data at byte ${t.byteOffset}`,
        infos[i]!.at,
      );
    }
    prev = t;
  }
}
