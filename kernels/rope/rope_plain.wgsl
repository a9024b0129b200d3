// No frequency factors: the fraction of pos * turns[i] is the angle.
fn scaled_fraction(whole: u32, frac: u32, i: u32) -> u32 {
  return frac;
}
