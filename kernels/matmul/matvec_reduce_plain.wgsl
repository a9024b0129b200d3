// Matvec team = the workgroup (devices without subgroups): workgroup i computes
// rows ROWS·i .. ROWS·i + ROWS - 1 and sums partials through shared memory, one
// tree for all ROWS rows at once (log2(WG) barriers in total).
// Owns the entry point; calls the body's `matvec` and reads its `acc`.

override SCRATCH: u32 = ROWS * WG;
var<workgroup> rows_scratch: array<f32, SCRATCH>;  // (ROWS, WG) partial sums

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  matvec(wid.x + wid.y * nwg.x, lid, WG);
}

fn rows_reduce(lid: u32) {
  for (var r = 0u; r < ROWS; r++) {
    rows_scratch[r * WG + lid] = acc[r];
  }
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      for (var r = 0u; r < ROWS; r++) {
        rows_scratch[r * WG + lid] += rows_scratch[r * WG + lid + stride];
      }
    }
    workgroupBarrier();
  }
}

// Row r's sum over the workgroup; valid after rows_reduce.
fn rows_total(r: u32) -> f32 {
  return rows_scratch[r * WG];
}
