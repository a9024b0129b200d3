// Workgroup argmax of (key, id) pairs with subgroup operations: the subgroup's largest key, then
// the lowest id among lanes holding it; one shared-memory pass over the per-subgroup winners.
// Owns the entry point, with the same contract as best_plain.wgsl.

var<workgroup> best_scratch: array<vec2<u32>, WG>;
var<private> sg_lane: u32;
var<private> sg_size: u32;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
  @builtin(subgroup_size) size: u32,
) {
  sg_lane = lane;
  sg_size = size;
  kernel(wid, lid, nwg);
}

fn wg_best(v: vec2<u32>, lid: u32) -> vec2<u32> {
  let key = subgroupMax(v.x);
  let id = subgroupMin(select(0xffffffffu, v.y, v.x == key));
  if (sg_lane == 0u) {
    best_scratch[lid / sg_size] = vec2<u32>(key, id);
  }
  workgroupBarrier();
  var best = best_scratch[0];
  for (var i = 1u; i < WG / sg_size; i++) {
    let other = best_scratch[i];
    if (beats(other, best)) {
      best = other;
    }
  }
  workgroupBarrier();
  return best;
}
