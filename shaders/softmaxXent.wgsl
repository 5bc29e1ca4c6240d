// Per-step softmax cross-entropy, one workgroup per row: a stable log-sum-exp, the row's loss
// and dlogits = (softmax - onehot) * scale, all in one pass over the logits.
// Reductions are fixed-shape trees in workgroup memory: the same inputs give the same bits.

override O: u32;

const WG: u32 = 64u;

struct Params { rows: u32, scale: f32 }

@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>;

var<workgroup> red: array<f32, WG>;

fn reduceMax(x: f32, lane: u32) -> f32 {
  red[lane] = x;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lane < s) { red[lane] = max(red[lane], red[lane + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn reduceSum(x: f32, lane: u32) -> f32 {
  red[lane] = x;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lane < s) { red[lane] = red[lane] + red[lane + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= prm.rows) { return; } // uniform per workgroup, so barriers stay in uniform control flow
  let lane = lid.x;
  let base = row * O;
  var m = -0x1.fffffep+127f; // lowest finite f32
  for (var o = lane; o < O; o += WG) { m = max(m, logits[base + o]); }
  m = reduceMax(m, lane);
  var s = 0.0;
  for (var o = lane; o < O; o += WG) { s += exp(logits[base + o] - m); }
  s = reduceSum(s, lane);
  let lse = m + log(s);
  let y = targets[row];
  if (lane == 0u) { rowLoss[row] = lse - logits[base + y]; }
  for (var o = lane; o < O; o += WG) {
    let p = exp(logits[base + o] - lse);
    dlogits[base + o] = (p - select(0.0, 1.0, o == y)) * prm.scale;
  }
}
