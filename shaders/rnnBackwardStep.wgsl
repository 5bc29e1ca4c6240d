// Gradient of one Elman step, run for t = T-1 down to 0, one dispatch per step:
// δ_t = (dh_t + W_hhᵀ δ_{t+1}) ⊙ act'(h_t), with δ_T = 0.
// It works in place: dh[t] (the loss gradient reaching h_t from the head) becomes δ_t. Invocation
// (i, b0) is the only reader of dh[t, b, i] for its rows, and δ_{t+1} was written by the previous
// dispatch. Neighbouring invocations read neighbouring elements of a W_hh row (column i of W_hhᵀ).
// As in the forward step: four batch rows per invocation, rows clamped instead of branched on, and
// `mainVec4` (H % 4 == 0) reading δ_{t+1} as vec4 along k.

override H: u32;
override B: u32;
override T: u32;
override RELU: bool = false;

const WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> hs: array<f32>;          // [(T+1)*B, H]
@group(0) @binding(3) var<storage, read_write> dh: array<f32>;    // [T*B, H] -> δ
@group(0) @binding(3) var<storage, read_write> dh4: array<vec4<f32>>;
@group(1) @binding(0) var<uniform> step: Step;

/** act'(pre), written through h = act(pre) (h_t sits one block of B rows after row r of dh). */
fn activationGrad(h: f32) -> f32 {
  if (RELU) { return select(0.0, 1.0, h > 0.0); }
  return 1.0 - h * h;
}

fn nextRows(t: u32, b0: u32) -> vec4<u32> {
  let last = B - 1u;
  let base = (t + 1u) * B * H;
  return vec4<u32>(base + min(b0, last) * H, base + min(b0 + 1u, last) * H,
                   base + min(b0 + 2u, last) * H, base + min(b0 + 3u, last) * H);
}

fn finish(t: u32, b0: u32, i: u32, acc: vec4<f32>) {
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let r = (t * B + b) * H + i;
    dh[r] = (dh[r] + acc[c]) * activationGrad(hs[r + B * H]);
  }
}

fn finish4(t: u32, b0: u32, i: u32, acc: vec4<f32>) {
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let r = (t * B + b) * H + i;
    dh4[r / 4u][r % 4u] = (dh4[r / 4u][r % 4u] + acc[c]) * activationGrad(hs[r + B * H]);
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b0 = gid.y * 4u;
  if (i >= H) { return; }
  let t = step.t;
  var acc = vec4<f32>(0.0);
  if (t + 1u < T) {
    let n = nextRows(t, b0);
    for (var k = 0u; k < H; k++) {
      acc += params[off.whh + k * H + i] * vec4<f32>(dh[n.x + k], dh[n.y + k], dh[n.z + k], dh[n.w + k]);
    }
  }
  finish(t, b0, i, acc);
}

@compute @workgroup_size(WG)
fn mainVec4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b0 = gid.y * 4u;
  if (i >= H) { return; }
  let t = step.t;
  var acc = vec4<f32>(0.0);
  if (t + 1u < T) {
    let n = nextRows(t, b0) / 4u;
    let w = off.whh + i;
    for (var k = 0u; k < H / 4u; k++) {
      let col = vec4<f32>(params[w + 4u * k * H], params[w + (4u * k + 1u) * H],
                          params[w + (4u * k + 2u) * H], params[w + (4u * k + 3u) * H]);
      acc += vec4<f32>(dot(col, dh4[n.x + k]), dot(col, dh4[n.y + k]), dot(col, dh4[n.z + k]), dot(col, dh4[n.w + k]));
    }
  }
  finish4(t, b0, i, acc);
}
