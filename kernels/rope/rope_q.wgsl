// q only: no k binding, and no k pairs (params.k_pairs = 0), so rotate_k is never reached.
fn rotate_k(t: u32, p: u32, cs: vec2<f32>) {}
