/**
 * JSON request bodies. V8's JSON.parse does not always say where it failed
 * ("Unexpected token '}', …" has no position), so a small scanner finds the
 * offset of the first character JSON.parse rejects; the error gives its line
 * and column.
 */
import { HttpError } from './errors.ts';

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (text.trim() === '') throw invalidJson('the body is empty; expected a JSON object');
    const { line, column } = lineColumn(text, syntaxErrorOffset(text));
    throw invalidJson(`${v8Reason(error)} at line ${line}, column ${column}`);
  }
}

/** Offset of the first character JSON.parse rejects; text.length when the text ends early; -1 when it is valid. */
export function syntaxErrorOffset(text: string): number {
  const scanner = new Scanner(text);
  try {
    scanner.value();
    scanner.space();
    return scanner.at < text.length ? scanner.at : -1;
  } catch {
    return scanner.at;
  }
}

/** 1-based line and column (in UTF-16 code units) of `offset`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return { line: lines.length, column: lines.at(-1)!.length + 1 };
}

function invalidJson(why: string): HttpError {
  return new HttpError(400, 'invalid_json', `request body is not valid JSON: ${why}`);
}

/** V8's reason without its position or its echo of the input. */
function v8Reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/^(Unexpected token .+?), .* is not valid JSON$/s, '$1')
    .replace(/ in JSON at position \d+.*$/s, '');
}

const ESCAPES = '"\\/bfnrtu';
const DIGITS = '0123456789';
const HEX = '0123456789abcdefABCDEF';

/** RFC 8259 syntax only (no values built): throws with `at` on the offending character. */
class Scanner {
  at = 0;
  constructor(private readonly text: string) {}

  value(): void {
    this.space();
    const c = this.text[this.at];
    if (c === '{') this.sequence('}', () => this.member());
    else if (c === '[') this.sequence(']', () => this.value());
    else if (c === '"') this.string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.number();
    else this.literal();
  }

  /** true, false or null, failing at the first character that does not fit (where V8 points). */
  private literal(): void {
    const word = ['true', 'false', 'null'].find((w) => w[0] === this.text[this.at]);
    if (word === undefined) this.fail();
    for (const c of word) {
      if (this.text[this.at] !== c) this.fail();
      this.at++;
    }
  }

  space(): void {
    while (' \t\n\r'.includes(this.text[this.at] ?? 'x')) this.at++;
  }

  private member(): void {
    this.space();
    if (this.text[this.at] !== '"') this.fail();
    this.string();
    this.space();
    if (this.text[this.at] !== ':') this.fail();
    this.at++;
    this.value();
  }

  /** `[` or `{`, items separated by commas, then `close`. */
  private sequence(close: string, item: () => void): void {
    this.at++;
    this.space();
    if (this.text[this.at] === close) {
      this.at++;
      return;
    }
    for (;;) {
      item();
      this.space();
      const c = this.text[this.at++];
      if (c === close) return;
      if (c !== ',') {
        this.at--;
        this.fail();
      }
    }
  }

  private string(): void {
    this.at++;
    for (;;) {
      const c = this.text[this.at];
      if (c === undefined || c < ' ') this.fail();
      this.at++;
      if (c === '"') return;
      if (c === '\\') this.escape();
    }
  }

  private escape(): void {
    const c = this.text[this.at];
    if (c === undefined || !ESCAPES.includes(c)) this.fail();
    this.at++;
    if (c === 'u') for (let i = 0; i < 4; i++) this.oneOf(HEX);
  }

  private number(): void {
    if (this.text[this.at] === '-') this.at++;
    if (this.text[this.at] === '0') this.at++;
    else this.digits();
    if (this.text[this.at] === '.') {
      this.at++;
      this.digits();
    }
    if (this.text[this.at] === 'e' || this.text[this.at] === 'E') {
      this.at++;
      if (this.text[this.at] === '+' || this.text[this.at] === '-') this.at++;
      this.digits();
    }
  }

  private digits(): void {
    this.oneOf(DIGITS);
    while (DIGITS.includes(this.text[this.at] ?? 'x')) this.at++;
  }

  private oneOf(chars: string): void {
    if (!chars.includes(this.text[this.at] ?? 'x')) this.fail();
    this.at++;
  }

  private fail(): never {
    throw new SyntaxError(`invalid JSON at ${this.at}`);
  }
}
