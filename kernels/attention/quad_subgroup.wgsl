// Sums over a quad (the four threads lid & ~3 .. lid | 3) with two subgroup
// shuffles, no workgroup memory or barrier. Relies on what reduce_subgroup.wgsl
// relies on too: subgroups hold consecutive local_invocation_index values (true
// of every 1-D workgroup on current drivers), and WebGPU subgroups are >= 4 wide.
// Every thread gets its quad's sum; call in workgroup-uniform control flow.

fn quad_sum4(v: vec4<f32>, lid: u32) -> vec4<f32> {
  let a = v + subgroupShuffleXor(v, 1u);
  return a + subgroupShuffleXor(a, 2u);
}
