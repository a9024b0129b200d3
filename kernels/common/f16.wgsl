// F16 weights (IEEE half). Repacked layout (f16.ts): each row padded with zeros
// to a multiple of 8 values, K8 = ceil(K / 8) chunks per row.
// w_q: (N, K8) vec4<u32>; word j of chunk g8 holds values 2j (low half) and 2j+1
// (high half), i.e. the GGUF bytes in order. No scales.

@group(0) @binding(0) var<storage, read> w_q: array<vec4<u32>>;

fn w_decode8(g8: u32) -> W8 {
  let w = w_q[g8];
  let lo = vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
  let hi = vec4<f32>(unpack2x16float(w.z), unpack2x16float(w.w));
  return W8(wf4(lo), wf4(hi));
}
