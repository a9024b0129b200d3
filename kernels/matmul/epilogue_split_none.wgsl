// Epilogue: Y = result, split over three outputs (epilogue_split.wgsl).

fn y_store(i: u32, n: u32, v: f32) {
  y_split(i, n, v);
}
