/**
 * Byte-pair merging over token ids. A word starts as one id per byte; the
 * adjacent pair with the lowest merge rank is merged (leftmost on ties) until
 * no pair has a rank — the order HF tokenizers and llama.cpp both use.
 */

const EMPTY = -1;
const NO_RANK = 0x7fffffff;

/** Open-addressing hash of (left id, right id) → merge rank; the merged id is `merged[rank]`. */
export class MergeTable {
  /** (rank) merged token id */
  readonly merged: Int32Array;
  readonly #left: Int32Array;
  readonly #right: Int32Array;
  readonly #rank: Int32Array;
  readonly #mask: number;
  #size = 0;

  constructor(capacity: number) {
    let slots = 1024;
    while (slots < capacity * 2) slots *= 2;
    this.merged = new Int32Array(capacity);
    this.#left = new Int32Array(slots).fill(EMPTY);
    this.#right = new Int32Array(slots);
    this.#rank = new Int32Array(slots);
    this.#mask = slots - 1;
  }

  /** Number of merges (ranks 0..size-1). */
  get size(): number {
    return this.#size;
  }

  #slot(a: number, b: number): number {
    return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
  }

  /** Adds a merge with the next rank; a pair already present keeps its first (lowest) rank. */
  add(a: number, b: number, mergedId: number): void {
    let i = this.#slot(a, b) & this.#mask;
    while (this.#left[i] !== EMPTY) {
      if (this.#left[i] === a && this.#right[i] === b) return;
      i = (i + 1) & this.#mask;
    }
    const rank = this.#size++;
    this.#left[i] = a;
    this.#right[i] = b;
    this.#rank[i] = rank;
    this.merged[rank] = mergedId;
  }

  /** Rank of merging a then b, or NO_RANK. */
  rank(a: number, b: number): number {
    let i = this.#slot(a, b) & this.#mask;
    for (;;) {
      const l = this.#left[i]!;
      if (l === EMPTY) return NO_RANK;
      if (l === a && this.#right[i] === b) return this.#rank[i]!;
      i = (i + 1) & this.#mask;
    }
  }
}

class MinHeap {
  #keys: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.#keys = new Float64Array(Math.max(16, capacity));
  }

  push(key: number): void {
    if (this.length === this.#keys.length) {
      const grown = new Float64Array(this.#keys.length * 2);
      grown.set(this.#keys);
      this.#keys = grown;
    }
    const k = this.#keys;
    let i = this.length++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (k[parent]! <= key) break;
      k[i] = k[parent]!;
      i = parent;
    }
    k[i] = key;
  }

  pop(): number {
    const k = this.#keys;
    const top = k[0]!;
    const last = k[--this.length]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.length) break;
      if (child + 1 < this.length && k[child + 1]! < k[child]!) child++;
      if (k[child]! >= last) break;
      k[i] = k[child]!;
      i = child;
    }
    k[i] = last;
    return top;
  }
}

/** Words up to this many bytes merge by rescanning a rank array; longer ones use a heap. */
const SHORT_WORD = 32;

/**
 * Merges `syms[0..n)` (byte token ids) in place; returns the resulting length.
 * `syms` must be at least n long and is scratch space.
 */
export function mergeWord(table: MergeTable, syms: Int32Array, n: number): number {
  return n <= SHORT_WORD ? mergeShort(table, syms, n) : mergeLong(table, syms, n);
}

const shortRanks = new Int32Array(SHORT_WORD);

function mergeShort(table: MergeTable, syms: Int32Array, n: number): number {
  const ranks = shortRanks;
  for (let i = 0; i + 1 < n; i++) ranks[i] = table.rank(syms[i]!, syms[i + 1]!);
  while (n > 1) {
    let best = NO_RANK;
    let at = -1;
    for (let i = 0; i + 1 < n; i++) {
      if (ranks[i]! < best) {
        best = ranks[i]!;
        at = i;
      }
    }
    if (at < 0) break;
    syms[at] = table.merged[best]!;
    syms.copyWithin(at + 1, at + 2, n);
    ranks.copyWithin(at, at + 1, n - 1);
    n--;
    if (at > 0) ranks[at - 1] = table.rank(syms[at - 1]!, syms[at]!);
    if (at + 1 < n) ranks[at] = table.rank(syms[at]!, syms[at + 1]!);
  }
  return n;
}

const POS = 2 ** 32;

/**
 * Linked list over positions + a binary min-heap of (rank·2³² + left position):
 * O(n log n) for long pieces (long CJK runs, digit strings, blobs). Stale heap
 * entries are recognised by re-looking up the pair's rank.
 */
let longScratch = { next: new Int32Array(0), prev: new Int32Array(0), heap: new MinHeap(0) };

function mergeLong(table: MergeTable, syms: Int32Array, n: number): number {
  if (longScratch.next.length < n)
    longScratch = { next: new Int32Array(n), prev: new Int32Array(n), heap: new MinHeap(n) };
  const { next, prev, heap } = longScratch;
  heap.length = 0;
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const push = (left: number) => {
    const right = next[left]!;
    if (left < 0 || right < 0) return;
    const rank = table.rank(syms[left]!, syms[right]!);
    if (rank !== NO_RANK) heap.push(rank * POS + left);
  };
  for (let i = 0; i + 1 < n; i++) push(i);
  while (heap.length > 0) {
    const key = heap.pop();
    const left = key % POS;
    const rank = (key - left) / POS;
    const right = next[left]!;
    if (syms[left]! < 0 || right < 0 || table.rank(syms[left]!, syms[right]!) !== rank) continue;
    syms[left] = table.merged[rank]!;
    syms[right] = -1;
    const after = next[right]!;
    next[left] = after;
    if (after >= 0) prev[after] = left;
    push(prev[left]!);
    push(left);
  }
  let out = 0;
  for (let i = 0; i >= 0 && i < n; i = next[i]!) syms[out++] = syms[i]!;
  return out;
}
