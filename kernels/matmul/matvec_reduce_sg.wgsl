// Matvec team = one subgroup: subgroup j of workgroup i (subgroups taken as
// consecutive runs of local_invocation_index, as on every implementation we
// know) is team i·(WG / size) + j and sums its partials with subgroupAdd alone:
// no shared memory, no barrier. The host dispatches for the largest subgroup
// size the adapter reports; with smaller subgroups the extra teams find no rows.
// Owns the entry point; calls the body's `matvec` and reads its acc_lo / acc_hi.

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
  @builtin(subgroup_size) size: u32,
) {
  matvec((wid.x + wid.y * nwg.x) * (WG / size) + lid / size, lane, size);
}

var<private> extra_sum: f32;

fn rows_reduce(lane: u32) {
  acc_lo = subgroupAdd(acc_lo);
  if (ROWS > 4u) {
    acc_hi = subgroupAdd(acc_hi);
  }
  if (X_EXTRA) {
    extra_sum = subgroupAdd(x_extra());
  }
}

// The x loader's x_extra summed over the subgroup (every lane has it); valid after rows_reduce.
fn extra_total() -> f32 {
  return extra_sum;
}

// Row r's sum over the subgroup (every lane has it); valid after rows_reduce.
fn rows_total(r: u32) -> f32 {
  return select(acc_lo[r % 4u], acc_hi[r % 4u], r >= 4u);
}
