// Argmax, pass 2 of 2: one workgroup reduces the partials (one per thread, parts <= WG) and hands
// the winner to `publish` (publish_argmax.wgsl, or publish_sample.wgsl which also seeds the sampler).

struct Params {
  parts: u32,
}

@group(0) @binding(0) var<storage, read> partials: array<vec2<u32>>;  // (parts) (key, id)
@group(0) @binding(3) var<uniform> params: Params;

override WG: u32 = 256u;

fn kernel(wid: vec3<u32>, lid: u32, nwg: vec3<u32>) {
  var v = NO_BEST;
  if (lid < params.parts) {
    v = partials[lid];
  }
  let best = wg_best(v, lid);
  if (lid == 0u) {
    publish(best);
  }
}
