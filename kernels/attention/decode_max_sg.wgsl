// Tile max for decode attention with subgroup operations: one subgroupMax per
// four heads, then every thread folds the per-subgroup maxima (broadcast reads
// of workgroup memory). Owns the entry point and calls `decode(wid, lid)`.
// Relies on what reduce_subgroup.wgsl relies on: subgroups are runs of
// consecutive local_invocation_index values, at least 4 wide.

var<workgroup> max_sh: array<Heads, WG / 4u>;  // per-subgroup maxima
var<private> sg_lane: u32;
var<private> sg_size: u32;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_invocation_id) lane: u32,
  @builtin(subgroup_size) size: u32,
) {
  sg_lane = lane;
  sg_size = size;
  decode(wid, lid);
}

// Each head's max over the workgroup. Call in uniform control flow; the caller's
// next barrier separates these reads from the next call's writes.
fn tile_max(s: Heads, lid: u32) -> Heads {
  var m = Heads(subgroupMax(s.a), s.b);
  if (WIDE) {
    m.b = subgroupMax(s.b);
  }
  if (sg_lane == 0u) {
    max_sh[lid / sg_size] = m;
  }
  workgroupBarrier();
  m = max_sh[0];
  for (var i = 1u; i < WG / sg_size; i++) {
    let o = max_sh[i];
    m = Heads(max(m.a, o.a), max(m.b, o.b));
  }
  return m;
}
