// Workgroup reductions with subgroup operations: one subgroupAdd per subgroup,
// then one shared-memory pass over the per-subgroup partials.
// Owns the entry point, with the same contract as reduce_plain.wgsl.

var<workgroup> red_scratch: array<f32, WG>;
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

fn wg_sum(v: f32, lid: u32) -> f32 {
  let partial = subgroupAdd(v);
  if (sg_lane == 0u) {
    red_scratch[lid / sg_size] = partial;
  }
  workgroupBarrier();
  var total = 0.0;
  for (var i = 0u; i < WG / sg_size; i++) {
    total += red_scratch[i];
  }
  workgroupBarrier();
  return total;
}

fn wg_max(v: f32, lid: u32) -> f32 {
  let partial = subgroupMax(v);
  if (sg_lane == 0u) {
    red_scratch[lid / sg_size] = partial;
  }
  workgroupBarrier();
  var total = red_scratch[0];
  for (var i = 1u; i < WG / sg_size; i++) {
    total = max(total, red_scratch[i]);
  }
  workgroupBarrier();
  return total;
}
