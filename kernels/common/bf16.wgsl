// BF16 weights (the upper 16 bits of an f32). Repacked layout (bf16.ts): each row
// padded with zeros to a multiple of 8 values, K8 = ceil(K / 8) chunks per row.
// w_q: (N, K8) vec4<u32>; word j of chunk g8 holds values 2j (low half) and 2j+1
// (high half), i.e. the GGUF bytes in order. No scales.

@group(0) @binding(0) var<storage, read> w_q: array<vec4<u32>>;

fn w_decode8(g8: u32) -> W8 {
  let w = w_q[g8];
  let even = bitcast<vec4<f32>>(w << vec4<u32>(16u));        // values 0, 2, 4, 6
  let odd = bitcast<vec4<f32>>(w & vec4<u32>(0xffff0000u));  // values 1, 3, 5, 7
  return W8(wf4(vec4<f32>(even.x, odd.x, even.y, odd.y)), wf4(vec4<f32>(even.z, odd.z, even.w, odd.w)));
}
