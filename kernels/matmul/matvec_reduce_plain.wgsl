// Matvec team = the workgroup (devices without subgroups): workgroup i computes
// rows ROWS·i .. ROWS·i + ROWS - 1 and sums partials through shared memory, one
// tree for all rows at once (log2(WG) barriers in total).
// Owns the entry point; calls the body's `matvec` and reads its acc_lo / acc_hi.

override SCRATCH: u32 = 2u * WG;
var<workgroup> rows_scratch: array<vec4<f32>, SCRATCH>;  // (2, WG): rows 0-3, rows 4-7
var<workgroup> extra_scratch: array<f32, WG>;            // (WG): the x loader's x_extra (X_EXTRA only)

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  matvec(wid.x + wid.y * nwg.x, lid, WG);
}

fn rows_reduce(lid: u32) {
  rows_scratch[lid] = acc_lo;
  rows_scratch[WG + lid] = acc_hi;
  if (X_EXTRA) {
    extra_scratch[lid] = x_extra();
  }
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      rows_scratch[lid] += rows_scratch[lid + stride];
      if (ROWS > 4u) {
        rows_scratch[WG + lid] += rows_scratch[WG + lid + stride];
      }
      if (X_EXTRA) {
        extra_scratch[lid] += extra_scratch[lid + stride];
      }
    }
    workgroupBarrier();
  }
}

// The x loader's x_extra summed over the workgroup; valid after rows_reduce.
fn extra_total() -> f32 {
  return extra_scratch[0];
}

// Row r's sum over the workgroup; valid after rows_reduce.
fn rows_total(r: u32) -> f32 {
  return rows_scratch[(r / 4u) * WG][r % 4u];
}
