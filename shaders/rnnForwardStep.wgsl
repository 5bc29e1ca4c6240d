// One time step of the Elman RNN, fused: h_t = act(proj_t + W_hh h_{t-1} + b_hh).
// Dispatched once per step; the step index arrives through a dynamic uniform offset, so a whole
// sequence is encoded without writing buffers between dispatches.
// Invocation (i, b0) computes unit i for batch rows b0..b0+3: each W_hh element it loads feeds four
// multiply-adds. Rows past the batch are clamped onto the last row, so every load is in bounds
// without a branch (branches are what CPU-emulated GPUs pay most for), and their results are dropped.
// Ragged batches: at steps past a row's length the state is carried unchanged (packed-sequence
// semantics), and that step's projection is never read.
// Two entry points: `main` for any H, `mainVec4` when H % 4 == 0, which reads W_hh rows and h_{t-1}
// as vec4 (a quarter of the load instructions). Both declare their buffers at the same bindings.

override H: u32;
override B: u32;
override RELU: bool = false;

const WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> proj: array<f32>;       // [T*B, H]
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;   // [(T+1)*B, H], block 0 = h0
@group(0) @binding(3) var<storage, read_write> hs4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> lengths: array<u32>;   // [B]; past its length a row keeps its state
@group(1) @binding(0) var<uniform> step: Step;

fn activate(pre: f32) -> f32 {
  if (RELU) { return max(pre, 0.0); }
  return tanh(pre);
}

/** Row offsets (in floats) of h_{t-1} for rows b0..b0+3, clamped into the batch. */
fn prevRows(t: u32, b0: u32) -> vec4<u32> {
  let last = B - 1u;
  let base = t * B * H;
  return vec4<u32>(base + min(b0, last) * H, base + min(b0 + 1u, last) * H,
                   base + min(b0 + 2u, last) * H, base + min(b0 + 3u, last) * H);
}

fn store(t: u32, b0: u32, i: u32, acc: vec4<f32>, bias: f32) {
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let o = ((t + 1u) * B + b) * H + i;
    if (t < lengths[b]) { hs[o] = activate(proj[(t * B + b) * H + i] + bias + acc[c]); } else { hs[o] = hs[o - B * H]; }
  }
}

fn store4(t: u32, b0: u32, i: u32, acc: vec4<f32>, bias: f32) {
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let o = ((t + 1u) * B + b) * H + i;
    var h: f32;
    if (t < lengths[b]) { h = activate(proj[(t * B + b) * H + i] + bias + acc[c]); } else { h = hs4[(o - B * H) / 4u][o % 4u]; }
    hs4[o / 4u][o % 4u] = h;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b0 = gid.y * 4u;
  if (i >= H) { return; }
  let t = step.t;
  let p = prevRows(t, b0);
  let w = off.whh + i * H;
  var acc = vec4<f32>(0.0);
  for (var j = 0u; j < H; j++) {
    acc += params[w + j] * vec4<f32>(hs[p.x + j], hs[p.y + j], hs[p.z + j], hs[p.w + j]);
  }
  store(t, b0, i, acc, params[off.bhh + i]);
}

@compute @workgroup_size(WG)
fn mainVec4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b0 = gid.y * 4u;
  if (i >= H) { return; }
  let t = step.t;
  let p = prevRows(t, b0) / 4u;
  let w = (off.whh + i * H) / 4u; // whh is 64-float aligned, H % 4 == 0
  var acc = vec4<f32>(0.0);
  for (var j = 0u; j < H / 4u; j++) {
    let wv = params4[w + j];
    acc += vec4<f32>(dot(wv, hs4[p.x + j]), dot(wv, hs4[p.y + j]), dot(wv, hs4[p.z + j]), dot(wv, hs4[p.w + j]));
  }
  let bias = off.bhh + i;
  store4(t, b0, i, acc, params4[bias / 4u][bias % 4u]);
}
