// Sums over a quad (the four threads lid & ~3 .. lid | 3) through workgroup
// memory, for devices without subgroups. Needs `WG` (threads per workgroup).
// Every thread gets its quad's sum; call in workgroup-uniform control flow.

var<workgroup> quad_scratch: array<vec4<f32>, WG>;

fn quad_sum4(v: vec4<f32>, lid: u32) -> vec4<f32> {
  quad_scratch[lid] = v;
  workgroupBarrier();
  let b = lid & ~3u;
  let total = quad_scratch[b] + quad_scratch[b + 1u] + quad_scratch[b + 2u] + quad_scratch[b + 3u];
  workgroupBarrier();
  return total;
}
