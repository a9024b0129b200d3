/**
 * GPT-2's byte ↔ unicode table: byte-level BPE vocabularies spell every byte
 * as one printable code point (0x20 ' ' → 'Ġ' U+0120, 0x0A → 'Ċ' U+010A), so
 * tokens are plain strings and merges are string pairs.
 */
export const BYTE_TO_CHAR: readonly number[] = (() => {
  const table = new Array<number>(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = printable ? b : 256 + shifted++;
  }
  return table;
})();

/** Code point (< 0x144) → byte, -1 where the code point is not in the table. */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(0x144).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => {
    table[c] = b;
  });
  return table;
})();

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A byte-level token string ('Ġthe') as its raw bytes; code points outside the table pass as UTF-8. */
export function byteLevelToBytes(token: string): Uint8Array {
  const out: number[] = [];
  for (const ch of token) {
    const c = ch.codePointAt(0)!;
    const b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c]! : -1;
    if (b >= 0) out.push(b);
    else for (const x of utf8(ch)) out.push(x);
  }
  return Uint8Array.from(out);
}

/** Raw bytes as a byte-level token string (the key merges and the vocabulary use). */
export function bytesToByteLevel(bytes: ArrayLike<number>, length = bytes.length): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(BYTE_TO_CHAR[bytes[i]!]!);
  return s;
}

/**
 * UTF-8 of `text` into `out` (grown as needed); returns the byte count. The
 * caller has already rejected lone surrogates, so pairs are always complete.
 */
export function encodeUtf8Into(text: string, out: { bytes: Uint8Array }): number {
  if (out.bytes.length < text.length * 3) out.bytes = new Uint8Array(text.length * 3 + 16);
  const b = out.bytes;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      b[n++] = c;
    } else if (c < 0x800) {
      b[n++] = 0xc0 | (c >> 6);
      b[n++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c < 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
      b[n++] = 0xf0 | (c >> 18);
      b[n++] = 0x80 | ((c >> 12) & 63);
      b[n++] = 0x80 | ((c >> 6) & 63);
      b[n++] = 0x80 | (c & 63);
    } else {
      b[n++] = 0xe0 | (c >> 12);
      b[n++] = 0x80 | ((c >> 6) & 63);
      b[n++] = 0x80 | (c & 63);
    }
  }
  return n;
}

/** Index of the first lone surrogate in `text`, or -1 (such text has no UTF-8 form). */
export function loneSurrogateAt(text: string): number {
  return text.search(/\p{Cs}/u);
}

/**
 * Offset of the first byte that cannot start or continue a well-formed UTF-8
 * sequence (WHATWG rules: no overlongs, no surrogates, ≤ U+10FFFF), or -1.
 * A sequence cut short by the end of `bytes` counts as invalid at its start.
 */
export function invalidUtf8At(bytes: Uint8Array, length = bytes.length): number {
  let i = 0;
  while (i < length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= length) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!;
      if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}
