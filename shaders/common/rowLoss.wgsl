// The frame of the per-row loss kernels (recurrent/softmaxXent.wgsl, recurrent/mseLoss.wgsl,
// tree/treeLoss.wgsl): one invocation per row computes the row's loss and the gradient of its
// outputs in one pass (the kernel's lossRow). One invocation per row needs no barriers (costly on
// CPU-emulated GPUs) and sums in a fixed order. The batch's `lossScale` (1 / the mean's
// denominator) scales both, so rowLoss already sums to the mean loss.

const WG: u32 = 64u;

struct Rows { count: u32 }
struct BatchInfo { lossScale: f32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.y * nwg.x * WG + gid.x; // a 2D grid when the rows outnumber one dimension's workgroups
  if (row < rows.count) { lossRow(row); }
}
