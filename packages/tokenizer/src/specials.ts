/**
 * Finds added tokens (`<｜User｜>`, `<think>`, `<|eot_id|>`…) in text before
 * BPE sees it: leftmost match first, the longest token at that position (HF's
 * leftmost-longest; llama.cpp's longest-first partition agrees on every real
 * vocabulary, whose added tokens never overlap).
 */

interface Node {
  children: Map<number, Node>;
  /** token id ending here, or -1 */
  id: number;
  /** whether the token ending here may be matched when the caller disables special-token parsing */
  plain: boolean;
}

const newNode = (): Node => ({ children: new Map(), id: -1, plain: false });

export interface AddedMatch {
  start: number;
  end: number;
  id: number;
}

export class AddedTokenMatcher {
  readonly #root = newNode();
  /** (65536) 1 where some added token starts with this UTF-16 unit */
  readonly #first = new Uint8Array(65536);
  #count = 0;

  /** `plain`: matched even with parseSpecial off (llama.cpp's USER_DEFINED tokens). */
  add(text: string, id: number, plain: boolean): void {
    if (text.length === 0) return;
    let node = this.#root;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let child = node.children.get(c);
      if (!child) {
        child = newNode();
        node.children.set(c, child);
      }
      node = child;
    }
    if (node.id < 0) this.#count++;
    node.id = id;
    node.plain = plain;
    this.#first[text.charCodeAt(0)] = 1;
  }

  get size(): number {
    return this.#count;
  }

  /** Every non-overlapping added token in `text`, left to right. */
  find(text: string, parseSpecial: boolean): AddedMatch[] {
    const found: AddedMatch[] = [];
    if (this.#count === 0) return found;
    const first = this.#first;
    for (let i = 0; i < text.length; i++) {
      if (first[text.charCodeAt(i)] === 0) continue;
      let node: Node | undefined = this.#root;
      let end = -1;
      let id = -1;
      for (let j = i; j < text.length; j++) {
        node = node.children.get(text.charCodeAt(j));
        if (!node) break;
        if (node.id >= 0 && (parseSpecial || node.plain)) {
          end = j + 1;
          id = node.id;
        }
      }
      if (end > 0) {
        found.push({ start: i, end, id });
        i = end - 1;
      }
    }
    return found;
  }
}
