// One time step of the Elman RNN, fused: h_t = act(proj_t + W_hh h_{t-1} + b_hh).
// Dispatched once per step; the step index arrives through a dynamic uniform offset, so a whole
// sequence is encoded without writing buffers between dispatches.
// Each workgroup owns 64 hidden units x 4 batch rows: h_{t-1} for its 4 rows is staged in
// workgroup memory as vec4 (one lane per row), so every W_hh element read feeds 4 multiply-adds.

override H: u32;
override B: u32;
override RELU: bool = false;

const WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> proj: array<f32>;   // [T*B, H]
@group(0) @binding(3) var<storage, read_write> hs: array<f32>; // [(T+1)*B, H], block 0 = h0
@group(1) @binding(0) var<uniform> step: Step;

var<workgroup> hprev: array<vec4<f32>, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let i = wid.x * WG + lid.x;
  let b0 = wid.y * 4u;
  let t = step.t;
  let prev = t * B * H;
  var acc = vec4<f32>(0.0);
  for (var j0 = 0u; j0 < H; j0 += WG) {
    let j = j0 + lid.x;
    var h = vec4<f32>(0.0);
    if (j < H) {
      for (var c = 0u; c < 4u; c++) {
        if (b0 + c < B) { h[c] = hs[prev + (b0 + c) * H + j]; }
      }
    }
    hprev[lid.x] = h;
    workgroupBarrier();
    if (i < H) {
      let n = min(WG, H - j0);
      let w = off.whh + i * H + j0;
      for (var jj = 0u; jj < n; jj++) { acc += params[w + jj] * hprev[jj]; }
    }
    workgroupBarrier();
  }
  if (i >= H) { return; }
  let bias = params[off.bhh + i];
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let pre = proj[(t * B + b) * H + i] + bias + acc[c];
    var h: f32;
    if (RELU) { h = max(pre, 0.0); } else { h = tanh(pre); }
    hs[((t + 1u) * B + b) * H + i] = h;
  }
}
