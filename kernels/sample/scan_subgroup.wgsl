// Workgroup inclusive prefix sum of u32 with subgroup operations: subgroupInclusiveAdd, then each
// thread adds the totals of the subgroups before its own (one shared-memory pass).
// Owns the entry point, with the same contract as scan_plain.wgsl.

var<workgroup> scan_scratch: array<u32, WG>;
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

fn wg_scan(v: u32, lid: u32) -> vec2<u32> {
  let within = subgroupInclusiveAdd(v);
  if (sg_lane == sg_size - 1u) {
    scan_scratch[lid / sg_size] = within;
  }
  workgroupBarrier();
  let mine = lid / sg_size;
  var before = 0u;
  var total = 0u;
  for (var i = 0u; i < WG / sg_size; i++) {
    let t = scan_scratch[i];
    before += select(0u, t, i < mine);
    total += t;
  }
  workgroupBarrier();
  return vec2<u32>(before + within, total);
}
