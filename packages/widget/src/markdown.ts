/**
 * Markdown from an untrusted model → a small AST, pure (no DOM, no Lit), so
 * it runs in plain Node under vitest. markdown-view.ts turns the AST into
 * Lit templates whose text is always bound as text: raw HTML in the input
 * stays literal characters, and a link is a link only when its URL is
 * http:, https: or mailto: (anything else stays the literal source).
 *
 * A deliberately small dialect: paragraphs (a newline inside one is a line
 * break, as in chat), ATX headings, fenced code, bullet/ordered lists,
 * blockquotes, thematic breaks; inline code, *em*, **strong**, ***both***
 * (a closer must repeat the opener's run length), [text](url).
 *
 * Linear time on hostile input: every character is scanned by one parse call
 * (nested constructs are parsed over their own range, which the outer call
 * then skips); closers and matching brackets come from tables built in one
 * pre-pass; nesting is capped so deep input cannot blow the stack.
 */

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'em'; children: Inline[] }
  | { type: 'strong'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] }
  | { type: 'break' };

export type Block =
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; children: Inline[] }
  | { type: 'code'; lang: string; text: string }
  | { type: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { type: 'blockquote'; children: Block[] }
  | { type: 'rule' };

/** Nested blockquotes/lists deeper than this are shown as text. */
export const MAX_BLOCK_DEPTH = 8;
/** Nested emphasis/links deeper than this are shown as text. */
export const MAX_INLINE_DEPTH = 16;

const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/** The URL to put in href, or undefined when `dest` is not an absolute http(s)/mailto URL. */
export function safeHref(dest: string): string | undefined {
  if (!/^(https?:\/\/|mailto:)/i.test(dest)) return undefined;
  try {
    const url = new URL(dest);
    return LINK_SCHEMES.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function parseMarkdown(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  return parseBlocks(lines, 0);
}

// ---------------------------------------------------------------- blocks

interface ListMarker {
  ordered: boolean;
  /** '-', '*', '+', '.' or ')': items of one list share it. */
  delimiter: string;
  start: number;
  /** Columns before the item's content; continuation lines are indented this far. */
  contentIndent: number;
}

const LIST_MARKER = /^( {0,3})([-+*]|\d{1,9}[.)])([ \t]+|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}(#{1,6})(?=[ \t]|$)/;
const QUOTE = /^ {0,3}>/;

function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      i = fencedCode(lines, i, fence[1]!, blocks);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ type: 'heading', level: heading[1]!.length as 1, children: parseInline(headingText(line)) });
      i++;
      continue;
    }
    if (isRule(line)) {
      blocks.push({ type: 'rule' });
      i++;
      continue;
    }
    if (depth < MAX_BLOCK_DEPTH && QUOTE.test(line)) {
      const body: string[] = [];
      for (; i < lines.length && QUOTE.test(lines[i]!); i++) body.push(lines[i]!.replace(/^ {0,3}> ?/, ''));
      blocks.push({ type: 'blockquote', children: parseBlocks(body, depth + 1) });
      continue;
    }
    const marker = depth < MAX_BLOCK_DEPTH ? listMarker(line) : undefined;
    if (marker) {
      i = list(lines, i, marker, depth, blocks);
      continue;
    }
    i = paragraph(lines, i, depth, blocks);
  }
  return blocks;
}

function fencedCode(lines: string[], i: number, fence: string, blocks: Block[]): number {
  const open = lines[i]!;
  const info = open.slice(open.indexOf(fence) + fence.length).trim();
  // A backtick fence's info string may not contain backticks; then it is not a fence but text.
  const lang = /^[^\s`]*/.exec(info)![0];
  const body: string[] = [];
  let j = i + 1;
  for (; j < lines.length; j++) {
    const close = FENCE.exec(lines[j]!);
    if (
      close &&
      close[1]![0] === fence[0] &&
      close[1]!.length >= fence.length &&
      isBlank(lines[j]!.slice(close[0].length))
    )
      break;
    body.push(lines[j]!);
  }
  // Unterminated: the code block runs to the end (what a streaming answer looks like mid-block).
  blocks.push({ type: 'code', lang, text: body.join('\n') });
  return j + 1;
}

function headingText(line: string): string {
  let text = line.replace(HEADING, '').trim();
  // A closing run of #s preceded by a space is not part of the text.
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  if (end === 0) return '';
  if (end < text.length && (text[end - 1] === ' ' || text[end - 1] === '\t')) text = text.slice(0, end).trim();
  return text;
}

function isRule(line: string): boolean {
  if (/^ {4}/.test(line)) return false;
  const marks = line.replace(/[ \t]/g, '');
  return marks.length >= 3 && /^(?:-+|\*+|_+)$/.test(marks);
}

function listMarker(line: string): ListMarker | undefined {
  const m = LIST_MARKER.exec(line);
  if (!m) return undefined;
  const mark = m[2]!;
  const ordered = /\d/.test(mark[0]!);
  const spaces = m[3]!.length;
  // Content indented 5+ columns after the marker keeps 1 column (the rest is part of the content).
  const gap = spaces === 0 || spaces > 4 ? 1 : spaces;
  return {
    ordered,
    delimiter: ordered ? mark.at(-1)! : mark,
    start: ordered ? Number(mark.slice(0, -1)) : 1,
    contentIndent: m[1]!.length + mark.length + gap,
  };
}

function list(lines: string[], i: number, first: ListMarker, depth: number, blocks: Block[]): number {
  const items: string[][] = [];
  let item: string[] = [];
  let marker = first;
  let previousBlank = false;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const next = listMarker(line);
    const indent = line.length - line.trimStart().length;
    if (next && indent < marker.contentIndent && !isRule(line)) {
      if (next.ordered !== first.ordered || next.delimiter !== first.delimiter) break;
      if (items.length > 0 || item.length > 0) items.push(item);
      marker = next;
      item = [line.slice(Math.min(marker.contentIndent, line.length))];
      previousBlank = false;
      continue;
    }
    if (isBlank(line)) {
      item.push('');
      previousBlank = true;
      continue;
    }
    if (indent >= marker.contentIndent) item.push(line.slice(marker.contentIndent));
    // A lazy continuation: unindented text right after the item's text belongs to its paragraph.
    else if (!previousBlank && !startsBlock(line)) item.push(line);
    else break;
    previousBlank = false;
  }
  items.push(item);
  blocks.push({
    type: 'list',
    ordered: first.ordered,
    start: first.start,
    items: items.map((lines) => parseBlocks(lines, depth + 1)),
  });
  return i;
}

function paragraph(lines: string[], i: number, depth: number, blocks: Block[]): number {
  const body: string[] = [];
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (isBlank(line) || (body.length > 0 && startsBlock(line, depth))) break;
    body.push(line.trim());
  }
  blocks.push({ type: 'paragraph', children: parseInline(body.join('\n')) });
  return i;
}

/** Lines that end a paragraph (and a list item's lazy continuation). */
function startsBlock(line: string, depth = 0): boolean {
  if (FENCE.test(line) || HEADING.test(line) || isRule(line)) return true;
  if (depth >= MAX_BLOCK_DEPTH) return false;
  const marker = listMarker(line);
  // As in CommonMark, only '1.' starts an ordered list inside a paragraph ('in\n2024. we…' stays text).
  return QUOTE.test(line) || (marker !== undefined && (!marker.ordered || marker.start === 1));
}

function isBlank(line: string): boolean {
  return /^[ \t]*$/.test(line);
}

// ---------------------------------------------------------------- inlines

/** Where things are in one inline string, found in a single left-to-right pass. */
interface InlineTables {
  /** Backtick run start → index just past the run that closes its code span. */
  codeEnd: Map<number, number>;
  /** '[' index → its matching ']' index (outside code spans, not escaped). */
  bracket: Map<number, number>;
  /** Emphasis run start → its length, and whether it may open / close. */
  runs: Map<number, { length: number; open: boolean; close: boolean }>;
  /** `${char}${length}` → starts of runs that may close, ascending. */
  closers: Map<string, number[]>;
}

const ESCAPABLE = /[!-/:-@[-`{-~]/;
// ']' only stops the text scan (it is literal on its own), so a scan inside link text ends at the link.
const SPECIAL = /[\\`[\]*_\n]/g;

export function parseInline(text: string): Inline[] {
  return new InlineParser(text).parse(0, text.length, 0, false);
}

class InlineParser {
  readonly #s: string;
  readonly #t: InlineTables;

  constructor(s: string) {
    this.#s = s;
    this.#t = scanInline(s);
  }

  /** Nodes for s[from, to); `inLink`: links may not nest. */
  parse(from: number, to: number, depth: number, inLink: boolean): Inline[] {
    const s = this.#s;
    const out: Inline[] = [];
    let i = from;
    while (i < to) {
      SPECIAL.lastIndex = i;
      const hit = SPECIAL.exec(s);
      const at = hit && hit.index < to ? hit.index : to;
      if (at > i) pushText(out, s.slice(i, at));
      i = at;
      if (i >= to) break;
      i = this.#special(out, i, to, depth, inLink);
    }
    return out;
  }

  /** Handles the special character at `i`; returns where to continue. */
  #special(out: Inline[], i: number, to: number, depth: number, inLink: boolean): number {
    const s = this.#s;
    const c = s[i]!;
    if (c === '\\') {
      if (i + 1 < to && ESCAPABLE.test(s[i + 1]!)) {
        pushText(out, s[i + 1]!);
        return i + 2;
      }
      pushText(out, c);
      return i + 1;
    }
    if (c === '\n') {
      out.push({ type: 'break' });
      return i + 1;
    }
    if (c === '`') return this.#code(out, i, to);
    if (c === '[') return this.#link(out, i, to, depth, inLink);
    return this.#emphasis(out, i, to, depth, inLink);
  }

  #code(out: Inline[], i: number, to: number): number {
    const s = this.#s;
    const end = this.#t.codeEnd.get(i);
    let run = i;
    while (run < to && s[run] === '`') run++;
    if (end === undefined || end > to) {
      pushText(out, s.slice(i, run));
      return run;
    }
    const inner = s.slice(run, end - (run - i)).replace(/\n/g, ' ');
    // One space each side is padding (so code can start or end with a backtick).
    const strip = inner.length > 2 && inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== '';
    out.push({ type: 'code', text: strip ? inner.slice(1, -1) : inner });
    return end;
  }

  #link(out: Inline[], i: number, to: number, depth: number, inLink: boolean): number {
    const s = this.#s;
    const close = this.#t.bracket.get(i);
    if (inLink || depth >= MAX_INLINE_DEPTH || close === undefined || close + 1 >= to || s[close + 1] !== '(') {
      pushText(out, '[');
      return i + 1;
    }
    // The destination: no spaces, no parentheses or angle brackets (kept simple, and bounded by them).
    let j = close + 2;
    while (j < to && !/[\s()<>]/.test(s[j]!)) j++;
    if (j >= to || s[j] !== ')') {
      pushText(out, '[');
      return i + 1;
    }
    const href = safeHref(s.slice(close + 2, j));
    if (href === undefined) {
      pushText(out, s.slice(i, j + 1));
      return j + 1;
    }
    out.push({ type: 'link', href, children: this.parse(i + 1, close, depth + 1, true) });
    return j + 1;
  }

  #emphasis(out: Inline[], i: number, to: number, depth: number, inLink: boolean): number {
    const s = this.#s;
    const run = this.#t.runs.get(i);
    // Not a run start (inside a code span the outer call skipped, or mid-run): literal.
    if (!run) {
      pushText(out, s[i]!);
      return i + 1;
    }
    const length = run.length;
    const closer = run.open && length <= 3 && depth < MAX_INLINE_DEPTH ? this.#closer(s[i]!, length, i, to) : undefined;
    if (closer === undefined) {
      pushText(out, s.slice(i, i + length));
      return i + length;
    }
    const children = this.parse(i + length, closer, depth + 1, inLink);
    const node: Inline =
      length === 1
        ? { type: 'em', children }
        : length === 2
          ? { type: 'strong', children }
          : { type: 'strong', children: [{ type: 'em', children }] };
    out.push(node);
    return closer + length;
  }

  /** The first closing run of `char` × `length` after the opener at `i` that ends by `to`. */
  #closer(char: string, length: number, i: number, to: number): number | undefined {
    const starts = this.#t.closers.get(`${char}${length}`);
    if (!starts) return undefined;
    // Binary search for the first start past the opener and its (non-empty) content.
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= i + length) lo = mid + 1;
      else hi = mid;
    }
    const at = starts[lo];
    return at !== undefined && at + length <= to ? at : undefined;
  }
}

function pushText(out: Inline[], text: string): void {
  const last = out.at(-1);
  if (last?.type === 'text') last.text += text;
  else out.push({ type: 'text', text });
}

/** One left-to-right pass: code spans, bracket pairs and emphasis runs outside code spans. */
function scanInline(s: string): InlineTables {
  const t: InlineTables = { codeEnd: new Map(), bracket: new Map(), runs: new Map(), closers: new Map() };
  const backticks = backtickRuns(s);
  const cursor = new Map<number, number>();
  const openBrackets: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (c === '\\') {
      i += i + 1 < s.length && ESCAPABLE.test(s[i + 1]!) ? 2 : 1;
      continue;
    }
    if (c === '`') {
      let run = i;
      while (run < s.length && s[run] === '`') run++;
      const length = run - i;
      const closing = nextRun(backticks, cursor, length, run);
      if (closing !== undefined) {
        t.codeEnd.set(i, closing + length);
        i = closing + length;
      } else i = run;
      continue;
    }
    if (c === '[') openBrackets.push(i);
    else if (c === ']') {
      const open = openBrackets.pop();
      if (open !== undefined) t.bracket.set(open, i);
    } else if (c === '*' || c === '_') {
      let run = i;
      while (run < s.length && s[run] === c) run++;
      const flank = flanking(s, i, run, c);
      t.runs.set(i, { length: run - i, ...flank });
      if (flank.close) {
        const key = `${c}${run - i}`;
        const list = t.closers.get(key);
        if (list) list.push(i);
        else t.closers.set(key, [i]);
      }
      i = run;
      continue;
    }
    i++;
  }
  return t;
}

/** Backtick run starts by run length, ascending (an escaped backtick starts no run). */
function backtickRuns(s: string): Map<number, number[]> {
  const runs = new Map<number, number[]>();
  for (let i = 0; i < s.length; ) {
    if (s[i] === '\\') {
      i += 2;
      continue;
    }
    if (s[i] !== '`') {
      i++;
      continue;
    }
    let run = i;
    while (run < s.length && s[run] === '`') run++;
    const list = runs.get(run - i);
    if (list) list.push(i);
    else runs.set(run - i, [i]);
    i = run;
  }
  return runs;
}

/** The first run of `length` backticks starting at or after `from`; cursors only move forward (linear overall). */
function nextRun(
  runs: Map<number, number[]>,
  cursor: Map<number, number>,
  length: number,
  from: number,
): number | undefined {
  const starts = runs.get(length);
  if (!starts) return undefined;
  let k = cursor.get(length) ?? 0;
  while (k < starts.length && starts[k]! < from) k++;
  cursor.set(length, k);
  return starts[k];
}

/** CommonMark's flanking rules: `_` inside a word neither opens nor closes (snake_case stays text). */
function flanking(s: string, start: number, end: number, c: string): { open: boolean; close: boolean } {
  const before = start > 0 ? s[start - 1]! : ' ';
  const after = end < s.length ? s[end]! : ' ';
  const spaceBefore = /\s/.test(before);
  const spaceAfter = /\s/.test(after);
  const punctBefore = /[\p{P}\p{S}]/u.test(before);
  const punctAfter = /[\p{P}\p{S}]/u.test(after);
  const left = !spaceAfter && (!punctAfter || spaceBefore || punctBefore);
  const right = !spaceBefore && (!punctBefore || spaceAfter || punctAfter);
  if (c === '*') return { open: left, close: right };
  return { open: left && (!right || punctBefore), close: right && (!left || punctAfter) };
}
