// Workgroup reductions through shared memory, for devices without subgroups.
// Owns the entry point: a kernel defines `fn kernel(wid: vec3<u32>, lid: u32, nwg: vec3<u32>)`
// and `override WG: u32` (threads per workgroup, a power of two).

var<workgroup> red_scratch: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  kernel(wid, lid, nwg);
}

// Every thread gets the sum of `v` over the workgroup. Call in uniform control flow.
fn wg_sum(v: f32, lid: u32) -> f32 {
  red_scratch[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      red_scratch[lid] = red_scratch[lid] + red_scratch[lid + stride];
    }
    workgroupBarrier();
  }
  let total = red_scratch[0];
  workgroupBarrier();
  return total;
}

fn wg_max(v: f32, lid: u32) -> f32 {
  red_scratch[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      red_scratch[lid] = max(red_scratch[lid], red_scratch[lid + stride]);
    }
    workgroupBarrier();
  }
  let total = red_scratch[0];
  workgroupBarrier();
  return total;
}
