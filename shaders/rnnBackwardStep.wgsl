// Gradient of one Elman step, run for t = T-1 down to 0, one dispatch per step:
// δ_t = (dh_t + W_hhᵀ δ_{t+1}) ⊙ act'(h_t), with δ_T = 0.
// It works in place: dh[t] (the loss gradient reaching h_t from the head) becomes δ_t. Invocation
// (b, i) is the only reader of dh[t, b, i], and δ_{t+1} was written by the previous dispatch.
// Invocations along i read column i of W_hh, so neighbours read neighbouring addresses.

override H: u32;
override B: u32;
override T: u32;
override RELU: bool = false;

const WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> hs: array<f32>;       // [(T+1)*B, H]
@group(0) @binding(3) var<storage, read_write> dh: array<f32>; // [T*B, H] -> δ
@group(1) @binding(0) var<uniform> step: Step;

var<workgroup> dnext: array<vec4<f32>, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let i = wid.x * WG + lid.x;
  let b0 = wid.y * 4u;
  let t = step.t;
  var acc = vec4<f32>(0.0);
  if (t + 1u < T) {
    let next = (t + 1u) * B * H;
    for (var k0 = 0u; k0 < H; k0 += WG) {
      let k = k0 + lid.x;
      var d = vec4<f32>(0.0);
      if (k < H) {
        for (var c = 0u; c < 4u; c++) {
          if (b0 + c < B) { d[c] = dh[next + (b0 + c) * H + k]; }
        }
      }
      dnext[lid.x] = d;
      workgroupBarrier();
      if (i < H) {
        let n = min(WG, H - k0);
        for (var kk = 0u; kk < n; kk++) { acc += params[off.whh + (k0 + kk) * H + i] * dnext[kk]; }
      }
      workgroupBarrier();
    }
  }
  if (i >= H) { return; }
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let h = hs[((t + 1u) * B + b) * H + i];
    var dact: f32;
    if (RELU) { dact = select(0.0, 1.0, h > 0.0); } else { dact = 1.0 - h * h; }
    let r = (t * B + b) * H + i;
    dh[r] = (dh[r] + acc[c]) * dact;
  }
}
