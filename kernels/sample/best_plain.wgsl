// Workgroup argmax of (key, id) pairs through shared memory (devices without subgroups).
// Owns the entry point: a kernel defines `fn kernel(wid: vec3<u32>, lid: u32, nwg: vec3<u32>)`.

var<workgroup> best_scratch: array<vec2<u32>, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  kernel(wid, lid, nwg);
}

// Every thread gets the best pair of the workgroup. Call in uniform control flow.
fn wg_best(v: vec2<u32>, lid: u32) -> vec2<u32> {
  best_scratch[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      let other = best_scratch[lid + stride];
      if (beats(other, best_scratch[lid])) {
        best_scratch[lid] = other;
      }
    }
    workgroupBarrier();
  }
  let best = best_scratch[0];
  workgroupBarrier();
  return best;
}
