/**
 * Parses GGUF metadata values. Every count and length is checked against the
 * bytes left in the file before anything is allocated or read.
 */
import { allocTyped, type TypedArrayCtor } from './alloc.ts';
import { type Cursor, formatError } from './cursor.ts';
import {
  GGUF_MIN_BYTES,
  GGUF_VALUE_TYPES,
  type GgufArray,
  type GgufArrayItemType,
  type GgufValue,
  type GgufValueType,
} from './value.ts';

/** Arrays of arrays deeper than this are refused (nothing real nests at all; recursion stays shallow). */
export const MAX_ARRAY_DEPTH = 8;

/** A value type id (u32) → its name, or MODEL_FORMAT. */
export async function readValueType(c: Cursor, field: string): Promise<GgufValueType> {
  await c.need(4, field);
  const id = c.u32();
  const type = GGUF_VALUE_TYPES[id];
  if (type === undefined) {
    throw formatError(c.name, field, `a value type id 0..${GGUF_VALUE_TYPES.length - 1}`, String(id), c.pos - 4);
  }
  return type;
}

/** A GGUF string: u64 byte length, then UTF-8 bytes. */
export async function readString(c: Cursor, field: string): Promise<string> {
  await c.need(8, field);
  const length = c.u64n();
  checkLength(c, field, length, c.pos - 8);
  await c.need(length, field);
  return c.text(length);
}

export async function readValue(c: Cursor, type: GgufValueType, field: string): Promise<GgufValue> {
  switch (type) {
    case 'string':
      return { type, value: await readString(c, field) };
    case 'array':
      return { type, ...(await readArray(c, field, 0)) };
    case 'bool':
      await c.need(1, field);
      return { type, value: readBool(c, field) };
    case 'u64':
    case 'i64':
      await c.need(8, field);
      return { type, value: type === 'u64' ? c.u64() : c.i64() };
    default:
      await c.need(GGUF_MIN_BYTES[type], field);
      return { type, value: readNumber(c, type) };
  }
}

async function readArray(c: Cursor, field: string, depth: number): Promise<GgufArray> {
  const itemType = await readValueType(c, `${field} item type`);
  await c.need(8, field);
  const count = c.u64n();
  const min = GGUF_MIN_BYTES[itemType];
  // count * min can only exceed 2^53 when count already exceeds the file.
  if (count * min > c.remaining) {
    throw formatError(
      c.name,
      field,
      `an array count whose ${itemType} items fit in the ${c.remaining} bytes left (≥ ${min} bytes each)`,
      String(count),
      c.pos - 8,
    );
  }
  switch (itemType) {
    case 'string':
      return { itemType, value: await readStrings(c, field, count) };
    case 'array':
      return { itemType, value: await readArrays(c, field, count, depth) };
    case 'bool': {
      await c.need(count, field);
      const value: boolean[] = [];
      for (let i = 0; i < count; i++) value.push(readBool(c, field));
      return { itemType, value };
    }
    default:
      await c.need(count * min, field);
      return readNumbers(c, itemType, count);
  }
}

async function readArrays(c: Cursor, field: string, count: number, depth: number): Promise<GgufArray[]> {
  if (depth + 1 >= MAX_ARRAY_DEPTH) {
    throw formatError(c.name, field, `arrays nested at most ${MAX_ARRAY_DEPTH} deep`, 'deeper nesting', c.pos);
  }
  const value: GgufArray[] = [];
  for (let i = 0; i < count; i++) value.push(await readArray(c, `${field}[${i}]`, depth + 1));
  return value;
}

/** The hot loop of a vocabulary: awaits only when the window runs out, builds field names only on error. */
async function readStrings(c: Cursor, field: string, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (!c.has(8)) await c.fill(8, `${field}[${i}]`);
    const length = c.peekU64n();
    if (length > c.remaining - 8) checkLength(c, `${field}[${i}]`, length, c.pos);
    if (!c.has(8 + length)) await c.fill(8 + length, `${field}[${i}]`);
    c.skip(8);
    out.push(c.text(length));
  }
  return out;
}

/** Throws unless a `length` read from the u64 at `lengthAt` fits in the bytes after that u64. */
function checkLength(c: Cursor, field: string, length: number, lengthAt: number): void {
  const left = c.size - (lengthAt + 8);
  if (length > left) {
    throw formatError(c.name, field, `a string length ≤ the ${left} bytes left`, String(length), lengthAt);
  }
}

function readBool(c: Cursor, field: string): boolean {
  const b = c.u8();
  if (b > 1) throw formatError(c.name, field, 'a bool byte 0 or 1', String(b), c.pos - 1);
  return b === 1;
}

function readNumber(c: Cursor, type: Exclude<GgufArrayItemType, 'string' | 'array' | 'bool' | 'u64' | 'i64'>): number {
  switch (type) {
    case 'u8':
      return c.u8();
    case 'i8':
      return c.i8();
    case 'u16':
      return c.u16();
    case 'i16':
      return c.i16();
    case 'u32':
      return c.u32();
    case 'i32':
      return c.i32();
    case 'f32':
      return c.f32();
    case 'f64':
      return c.f64();
  }
}

const TYPED = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
  u64: BigUint64Array,
  i64: BigInt64Array,
} as const;

type NumericItemType = keyof typeof TYPED;

/** A numeric array, decoded little-endian item by item (the window is not aligned for a typed view). */
function readNumbers(c: Cursor, itemType: NumericItemType, count: number): GgufArray {
  if (itemType === 'u64' || itemType === 'i64') {
    const ctor = TYPED[itemType] as TypedArrayCtor<BigUint64Array | BigInt64Array>;
    const value = allocTyped(ctor, count, c.size);
    for (let i = 0; i < count; i++) value[i] = itemType === 'u64' ? c.u64() : c.i64();
    return { itemType, value } as GgufArray;
  }
  const value = allocTyped(TYPED[itemType] as TypedArrayCtor<{ [i: number]: number }>, count, c.size);
  for (let i = 0; i < count; i++) value[i] = readNumber(c, itemType);
  return { itemType, value } as GgufArray;
}
