// Per-step softmax cross-entropy, one invocation per row: a stable log-sum-exp, the row's loss
// and dlogits = (softmax - onehot) * scale, all in one pass over the logits.
// One invocation per row needs no barriers, which matter on CPU-emulated GPUs, and keeps each
// row's sums in a fixed order: the same inputs give the same bits.

override O: u32;

const WG: u32 = 64u;

struct Params { rows: u32, scale: f32 }

@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.y * nwg.x * WG + gid.x;
  if (row >= prm.rows) { return; }
  let base = row * O;
  var m = logits[base];
  for (var o = 1u; o < O; o++) { m = max(m, logits[base + o]); }
  var s = 0.0;
  for (var o = 0u; o < O; o++) { s += exp(logits[base + o] - m); }
  let lse = m + log(s);
  let y = targets[row];
  rowLoss[row] = lse - logits[base + y];
  for (var o = 0u; o < O; o++) {
    let p = exp(logits[base + o] - lse);
    dlogits[base + o] = (p - select(0.0, 1.0, o == y)) * prm.scale;
  }
}
