// Element type of the vectorized variant: four consecutive f32 per thread (128-bit loads).
alias V = vec4<f32>;
