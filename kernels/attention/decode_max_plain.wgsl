// Tile max for decode attention through workgroup memory (devices without
// subgroups): one tree over the workgroup for all heads at once, log2(WG)
// barriers. Owns the entry point and calls `decode(wid, lid)`.

var<workgroup> max_sh: array<Heads, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  decode(wid, lid);
}

// Each head's max over the workgroup. Call in uniform control flow; the caller's
// next barrier separates these reads from the next call's writes.
fn tile_max(s: Heads, lid: u32) -> Heads {
  max_sh[lid] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      let a = max_sh[lid];
      let b = max_sh[lid + stride];
      max_sh[lid] = Heads(max(a.a, b.a), max(a.b, b.b));
    }
    workgroupBarrier();
  }
  return max_sh[0];
}
