/**
 * A forward-only reader over a ByteSource through a bounded window: the
 * header parser asks for `n` bytes at a time and the window is refilled (in
 * growing chunks) only when they are not already in it. Parsing code stays
 * synchronous between refills, so a 150k-string array costs a few awaits,
 * not 150k.
 */
import { RuntimeError } from '@webseek/api';
import { claim } from './alloc.ts';
import type { ByteSource } from './source.ts';

/** The MODEL_FORMAT error every GGUF check throws: file, field, expected, found, byte offset. */
export function formatError(
  file: string,
  field: string,
  expected: string,
  found: string,
  offset: number,
): RuntimeError {
  return new RuntimeError(
    'MODEL_FORMAT',
    `${file}: ${field}: expected ${expected}, found ${found} (at byte ${offset})`,
    {
      details: { file, field, expected, found, offset },
    },
  );
}

export interface CursorOptions {
  /** First window size in bytes; each refill doubles it up to `maxChunk`. */
  chunk?: number;
  maxChunk?: number;
}

const decoder = new TextDecoder('utf-8');

export class Cursor {
  /** Absolute position of the next byte to parse. */
  pos = 0;
  private win: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(this.win.buffer);
  private winStart = 0;
  private chunk: number;
  private readonly maxChunk: number;

  constructor(
    readonly source: ByteSource,
    options: CursorOptions = {},
  ) {
    this.chunk = options.chunk ?? 64 * 1024;
    this.maxChunk = options.maxChunk ?? 16 * 1024 * 1024;
  }

  get name(): string {
    return this.source.name;
  }

  get size(): number {
    return this.source.size;
  }

  /** Bytes after `pos` in the file. */
  get remaining(): number {
    return this.source.size - this.pos;
  }

  /** Whether the next `n` bytes are already in the window. */
  has(n: number): boolean {
    return this.pos + n <= this.winStart + this.win.byteLength;
  }

  /** Makes the next `n` bytes available; MODEL_FORMAT naming `field` if the file ends first. */
  async need(n: number, field: string): Promise<void> {
    if (!this.has(n)) await this.fill(n, field);
  }

  async fill(n: number, field: string): Promise<void> {
    if (n > this.remaining) {
      throw formatError(this.name, field, `${n} more bytes`, `the file ends after ${this.remaining}`, this.pos);
    }
    const length = Math.min(this.remaining, Math.max(n, this.chunk));
    this.chunk = Math.min(this.chunk * 2, this.maxChunk);
    claim(length, this.size);
    const bytes = await this.source.read(this.pos, length);
    if (bytes.byteLength !== length) {
      throw new RuntimeError(
        'MODEL_FORMAT',
        `${this.name}: asked the source for ${length} bytes at ${this.pos}, got ${bytes.byteLength}`,
        {
          details: { file: this.name, offset: this.pos, length, got: bytes.byteLength },
        },
      );
    }
    this.win = bytes;
    this.winStart = this.pos;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  // The readers below assume `need` covered them.

  private at(n: number): number {
    const i = this.pos - this.winStart;
    this.pos += n;
    return i;
  }

  u8(): number {
    return this.view.getUint8(this.at(1));
  }
  i8(): number {
    return this.view.getInt8(this.at(1));
  }
  u16(): number {
    return this.view.getUint16(this.at(2), true);
  }
  i16(): number {
    return this.view.getInt16(this.at(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.at(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.at(4), true);
  }
  f32(): number {
    return this.view.getFloat32(this.at(4), true);
  }
  f64(): number {
    return this.view.getFloat64(this.at(8), true);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.at(8), true);
  }
  i64(): bigint {
    return this.view.getBigInt64(this.at(8), true);
  }

  /** A u64 as a number: exact up to 2^53, above that only "too big" (which every bound check rejects). */
  u64n(): number {
    const i = this.at(8);
    return this.view.getUint32(i + 4, true) * 2 ** 32 + this.view.getUint32(i, true);
  }

  /** The u64 at `pos` without consuming it. */
  peekU64n(): number {
    const i = this.pos - this.winStart;
    return this.view.getUint32(i + 4, true) * 2 ** 32 + this.view.getUint32(i, true);
  }

  skip(n: number): void {
    this.pos += n;
  }

  /** `n` bytes of UTF-8; invalid sequences become U+FFFD, as llama.cpp passes bytes through unchecked. */
  text(n: number): string {
    const i = this.at(n);
    const w = this.win;
    // Short ASCII strings (most tokens) are far cheaper without TextDecoder.
    if (n <= 24) {
      let s = '';
      for (let k = i; k < i + n; k++) {
        const b = w[k]!;
        if (b >= 0x80) return decoder.decode(w.subarray(i, i + n));
        s += String.fromCharCode(b);
      }
      return s;
    }
    return decoder.decode(w.subarray(i, i + n));
  }
}
