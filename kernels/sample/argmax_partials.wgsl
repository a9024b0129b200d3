// Argmax, pass 1 of 2: workgroup w finds the best (key, id) of logits[w * chunk .. (w + 1) * chunk)
// (coalesced: thread lid reads every WG-th element). Ties and NaN are settled by `beats` / `order_key`,
// so the result does not depend on how the vocabulary is cut.

struct Params {
  vocab: u32,
  chunk: u32,  // logits per workgroup
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;               // (vocab) f32
@group(0) @binding(1) var<storage, read_write> partials: array<vec2<u32>>;  // (workgroups) (key, id)
@group(0) @binding(2) var<uniform> params: Params;

override WG: u32 = 256u;

fn kernel(wid: vec3<u32>, lid: u32, nwg: vec3<u32>) {
  let start = wid.x * params.chunk;
  let end = min(start + params.chunk, params.vocab);
  var best = NO_BEST;
  for (var i = start + lid; i < end; i += WG) {
    let c = vec2<u32>(order_key(logits[i]), i);
    if (beats(c, best)) {
      best = c;
    }
  }
  best = wg_best(best, lid);
  if (lid == 0u) {
    partials[wid.x] = best;
  }
}
