// silu(x) = x * sigmoid(x), for V = f32 or vec4<f32>: the one home of the activation, shared by
// the SwiGLU kernel and the matvec x loader that applies SwiGLU on the fly (matvec_x_swiglu.wgsl).

// sigmoid from exp(-|x|) only: never overflows, and keeps full relative precision for x << 0.
fn silu(x: V) -> V {
  let e = exp(-abs(x));
  let sig = select(e, V(1.0), x >= V(0.0)) / (V(1.0) + e);
  return x * sig;
}
