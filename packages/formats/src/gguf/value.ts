/**
 * GGUF metadata values, typed exactly as the file stores them, so a value read
 * from one file can be written back byte for byte (a u32 stays a u32, an i32
 * array stays an Int32Array).
 */

/** GGUF value type ids (gguf_type) → our names. */
export const GGUF_VALUE_TYPES = [
  'u8',
  'i8',
  'u16',
  'i16',
  'u32',
  'i32',
  'f32',
  'bool',
  'string',
  'array',
  'u64',
  'i64',
  'f64',
] as const;

export type GgufValueType = (typeof GGUF_VALUE_TYPES)[number];
export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
export type GgufBigIntType = 'u64' | 'i64';

/** Encoded bytes of one scalar (strings and arrays: the smallest encoding, an empty one). */
export const GGUF_MIN_BYTES: Record<GgufValueType, number> = {
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  bool: 1,
  string: 8,
  array: 12,
  u64: 8,
  i64: 8,
  f64: 8,
};

/** How the reader returns an array of each item type. */
export interface GgufArrayValues {
  u8: Uint8Array;
  i8: Int8Array;
  u16: Uint16Array;
  i16: Int16Array;
  u32: Uint32Array;
  i32: Int32Array;
  f32: Float32Array;
  f64: Float64Array;
  u64: BigUint64Array;
  i64: BigInt64Array;
  bool: boolean[];
  string: string[];
  array: GgufArray[];
}

export type GgufArrayItemType = keyof GgufArrayValues;

/** An array value: its item type and its items (nested arrays each carry their own item type). */
export type GgufArray = { [T in GgufArrayItemType]: { itemType: T; value: GgufArrayValues[T] } }[GgufArrayItemType];

export type GgufValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | ({ type: 'array' } & GgufArray);

/** What the writer accepts for an array of each item type (the reader's types fit). */
export interface GgufArrayInputs {
  u8: ArrayLike<number>;
  i8: ArrayLike<number>;
  u16: ArrayLike<number>;
  i16: ArrayLike<number>;
  u32: ArrayLike<number>;
  i32: ArrayLike<number>;
  f32: ArrayLike<number>;
  f64: ArrayLike<number>;
  u64: ArrayLike<bigint>;
  i64: ArrayLike<bigint>;
  bool: ArrayLike<boolean>;
  string: ArrayLike<string>;
  array: ArrayLike<GgufArrayInput>;
}

export type GgufArrayInput = {
  [T in GgufArrayItemType]: { itemType: T; value: GgufArrayInputs[T] };
}[GgufArrayItemType];

/** A metadata value for `writeGguf`: every `GgufValue` is one; u64/i64 also take a safe integer number. */
export type GgufValueInput =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint | number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | ({ type: 'array' } & GgufArrayInput);
