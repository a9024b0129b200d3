// Workgroup inclusive prefix sum of u32 through shared memory (devices without subgroups).
// Owns the entry point: a kernel defines `fn kernel(wid: vec3<u32>, lid: u32, nwg: vec3<u32>)`.

var<workgroup> scan_scratch: array<u32, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  kernel(wid, lid, nwg);
}

// (inclusive sum of v over threads 0..lid, total over the workgroup). Call in uniform control flow.
fn wg_scan(v: u32, lid: u32) -> vec2<u32> {
  var acc = v;
  scan_scratch[lid] = acc;
  workgroupBarrier();
  for (var offset = 1u; offset < WG; offset = offset * 2u) {
    var before = 0u;
    if (lid >= offset) {
      before = scan_scratch[lid - offset];
    }
    workgroupBarrier();
    acc += before;
    scan_scratch[lid] = acc;
    workgroupBarrier();
  }
  let total = scan_scratch[WG - 1u];
  workgroupBarrier();
  return vec2<u32>(acc, total);
}
