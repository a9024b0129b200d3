// Per-step scalars of a forward pass, written once per step by the engine (one
// writeBuffer of 32 bytes) and read by every kernel that depends on the position
// or the sampler, so prepared dispatches are replayed unchanged step after step.
struct Step {
  pos: u32,          // position of the first token of this step's batch
  tokens: u32,       // tokens in this step's batch (1 when decoding)
  kv_len: u32,       // keys in the cache after this step: pos + tokens
  seed: u32,         // sampler RNG seed for this step
  temperature: f32,  // 0 = greedy
  top_k: u32,        // 0 = no top-k cut
  top_p: f32,        // 1 = no nucleus cut
  _pad: u32,
}
