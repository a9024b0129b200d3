// Streaming read: every byte of `src` read once with 16-byte loads. Its GB/s is
// the device's practical memory-read roofline that matrix-vector kernels are held to.

@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;        // (n16) 16-byte words
@group(0) @binding(1) var<storage, read_write> sink: array<u32>;       // (threads) written only on an impossible value

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let threads = nwg.x * WG;
  let n = arrayLength(&src);
  var acc = vec4<u32>(0u);
  for (var i = gid.x; i < n; i += threads) {
    acc ^= src[i];
  }
  // The xor of random data is never this value; the branch keeps the loads alive.
  if (all(acc == vec4<u32>(0xdeadbeefu))) {
    sink[gid.x] = acc.x;
  }
}
