// The flat element (in units of V) this thread owns: workgroups are spread over x and y
// (grid()) so long tensors stay within the per-dimension dispatch limit.
fn element_index(wid: vec3<u32>, lid: u32, nwg: vec3<u32>) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}
