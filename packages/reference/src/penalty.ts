/**
 * OpenAI's presence and frequency penalties, on logits before sampling:
 * logit[id] -= presence·(count[id] > 0) + frequency·count[id], where count is
 * how often `id` was generated so far. f32 arithmetic, as the kernel does it.
 */
export function applyPenalties(
  logits: Float32Array,
  counts: ArrayLike<number>,
  presence: number,
  frequency: number,
): Float32Array {
  const out = logits.slice();
  for (let i = 0; i < out.length; i++) {
    const c = counts[i]!;
    if (c > 0) out[i] = Math.fround(out[i]! - Math.fround(presence + Math.fround(frequency * c)));
  }
  return out;
}
