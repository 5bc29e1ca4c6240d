// Softmax cross-entropy on the head of every node, one invocation per node: a stable log-sum-exp,
// the node's loss and dlogits = (softmax − onehot) · scale in one pass. Nodes whose target is
// IGNORE (no label, not a root under root-only heads, or past the batch) get zero loss and gradient.
// `scale` = 1 / the number of targets, per batch, so rowLoss sums to the mean loss.

override C: u32;

const WG: u32 = 64u;
const IGNORE: u32 = 0xffffffffu;

struct Rows { count: u32 }
struct BatchInfo { lossScale: f32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(5) var<uniform> batch: BatchInfo;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.y * nwg.x * WG + gid.x;
  if (row >= rows.count) { return; }
  let base = row * C;
  let y = targets[row];
  if (y == IGNORE) {
    rowLoss[row] = 0.0;
    for (var o = 0u; o < C; o++) { dlogits[base + o] = 0.0; }
    return;
  }
  var m = logits[base];
  for (var o = 1u; o < C; o++) { m = max(m, logits[base + o]); }
  var s = 0.0;
  for (var o = 0u; o < C; o++) { s += exp(logits[base + o] - m); }
  let lse = m + log(s);
  rowLoss[row] = (lse - logits[base + y]) * batch.lossScale;
  for (var o = 0u; o < C; o++) {
    dlogits[base + o] = (exp(logits[base + o] - lse) - select(0.0, 1.0, o == y)) * batch.lossScale;
  }
}
