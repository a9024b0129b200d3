/**
 * KV-prefix reuse between requests. The session's cache holds the keys and
 * values of the ids last fed; a new prompt that starts with the same ids (the
 * next turn of a conversation, the same system prompt) rolls the session back
 * to the end of the common prefix and feeds only the rest. Entries past the
 * rolled-back position are stale but unread: attention reads kv_len = pos + T
 * keys, and the next tokens overwrite them.
 */
import type { Session } from '../session.ts';

export class KvPrefix {
  /** Ids whose K/V are in the cache, position by position (a prefix of what was last fed). */
  #ids: number[] = [];

  constructor(readonly enabled: boolean) {}

  /**
   * Rolls `session` back to the longest common prefix of its cached ids and
   * `prompt`, keeping at least one prompt token to feed (the logits of the
   * next token come from feeding one); returns that prefix's length.
   */
  reuse(session: Session, prompt: readonly number[]): number {
    const held = Math.min(session.position, this.#ids.length);
    const limit = this.enabled ? Math.min(held, prompt.length - 1) : 0;
    let n = 0;
    while (n < limit && this.#ids[n] === prompt[n]) n++;
    session.position = n;
    return n;
  }

  /** After a generation: `fed` is everything fed in order (prompt, then generated); the session's position says how much of it is cached. */
  record(session: Session, fed: readonly number[]): void {
    this.#ids = fed.slice(0, session.position);
  }

  /** Forget the cache (after an error, a reset, a new model). */
  clear(session?: Session): void {
    this.#ids = [];
    session?.reset();
  }

  get cachedTokens(): number {
    return this.#ids.length;
  }
}
