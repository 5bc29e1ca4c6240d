// Squared error (PyTorch's MSELoss, mean over real rows and outputs), one invocation per row:
// rowLoss = Σ_o (ŷ − y)² · scale and dŷ = 2 (ŷ − y) · scale, with scale = 1 / (N·O) per batch.
// Rows are time steps (r = t·B + b, PER_STEP) or whole sequences (regression on the final state).
// A step past its sequence's length gets zero loss and zero gradient; its target is not read.

override O: u32;
override B: u32;
override PER_STEP: bool = true;

const WG: u32 = 64u;

struct Rows { count: u32 }
struct BatchInfo { lossScale: f32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> pred: array<f32>;
@group(0) @binding(2) var<storage, read> want: array<f32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> dpred: array<f32>;
@group(0) @binding(5) var<storage, read> lengths: array<u32>;
@group(0) @binding(6) var<uniform> batch: BatchInfo;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.y * nwg.x * WG + gid.x;
  if (row >= rows.count) { return; }
  let base = row * O;
  let valid = !PER_STEP || row / B < lengths[row % B];
  var s = 0.0;
  for (var o = 0u; o < O; o++) {
    var e = 0.0;
    if (valid) { e = pred[base + o] - want[base + o]; }
    s += e * e;
    dpred[base + o] = 2.0 * e * batch.lossScale;
  }
  rowLoss[row] = s * batch.lossScale;
}
