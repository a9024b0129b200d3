// Epilogue: the columns of one stacked projection ([q | k | v] rows in one
// matrix) land in three outputs, so one launch replaces three. Columns
// [0, SPLIT_A) go to y, [SPLIT_A, SPLIT_B) to y1, [SPLIT_B, SPLIT_N) to y2;
// each output is (M, its width) f32, row-major. i = m·SPLIT_N + n.

override SPLIT_N: u32;
override SPLIT_A: u32;
override SPLIT_B: u32;

@group(0) @binding(3) var<storage, read_write> y: array<f32>;   // (M, SPLIT_A) f32
@group(0) @binding(6) var<storage, read_write> y1: array<f32>;  // (M, SPLIT_B - SPLIT_A) f32
@group(0) @binding(7) var<storage, read_write> y2: array<f32>;  // (M, SPLIT_N - SPLIT_B) f32

fn y_split(i: u32, n: u32, v: f32) {
  let m = (i - n) / SPLIT_N;
  if (n < SPLIT_A) {
    y[m * SPLIT_A + n] = v;
  } else if (n < SPLIT_B) {
    y1[m * (SPLIT_B - SPLIT_A) + (n - SPLIT_A)] = v;
  } else {
    y2[m * (SPLIT_N - SPLIT_B) + (n - SPLIT_B)] = v;
  }
}
