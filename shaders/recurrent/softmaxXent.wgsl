// Softmax cross-entropy, one invocation per row: a stable log-sum-exp, the row's loss and
// dlogits = (softmax − onehot) · scale, all in one pass over the logits.
// Rows are time steps (r = t·B + b, PER_STEP) or whole sequences (sequence classification).
// A step past its sequence's length gets zero loss and zero gradient, and its target is not read.
// `scale` (1 / the number of real rows) comes per batch, so rowLoss already sums to the mean loss.
// One invocation per row needs no barriers (costly on CPU-emulated GPUs) and sums in a fixed order.

override O: u32;
override B: u32;
override PER_STEP: bool = true;

const WG: u32 = 64u;

struct Rows { count: u32 }
struct BatchInfo { lossScale: f32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(5) var<storage, read> lengths: array<u32>;
@group(0) @binding(6) var<uniform> batch: BatchInfo;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.y * nwg.x * WG + gid.x;
  if (row >= rows.count) { return; }
  let base = row * O;
  if (PER_STEP && row / B >= lengths[row % B]) {
    rowLoss[row] = 0.0;
    for (var o = 0u; o < O; o++) { dlogits[base + o] = 0.0; }
    return;
  }
  var m = logits[base];
  for (var o = 1u; o < O; o++) { m = max(m, logits[base + o]); }
  var s = 0.0;
  for (var o = 0u; o < O; o++) { s += exp(logits[base + o] - m); }
  let lse = m + log(s);
  let y = targets[row];
  rowLoss[row] = (lse - logits[base + y]) * batch.lossScale;
  for (var o = 0u; o < O; o++) {
    let p = exp(logits[base + o] - lse);
    dlogits[base + o] = (p - select(0.0, 1.0, o == y)) * batch.lossScale;
  }
}
