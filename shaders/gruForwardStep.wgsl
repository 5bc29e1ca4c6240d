// One time step of a GRU layer, fused (PyTorch gate order [r, z, n]):
//   r = σ(P_r + W_hr h + b_hr), z = σ(P_z + W_hz h + b_hz),
//   n = tanh(P_n + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h,
// where P = W_ih x + b_ih was computed for all steps before the loop.
// Invocation (i, b0) computes unit i for batch rows b0..b0+3: the three gate rows of unit i are dotted
// with h_{t-1} of four rows at once. Rows past the batch are clamped (no branches in the loop) and dropped.
// `mainVec4` (H % 4 == 0) reads W_hh rows and h_{t-1} as vec4: a quarter of the load instructions.
// Stores the gates (r, z, n) and W_hn h + b_hn for the backward step. Past a row's length the state
// is carried unchanged and the step's projection is never read.

override H: u32;
override B: u32;

const WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> proj: array<f32>;        // [T*B, 3H]
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;    // [(T+1)*B, H], block 0 = h0
@group(0) @binding(3) var<storage, read_write> hs4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> gates: array<f32>; // [T*B, 3H]: r, z, n
@group(0) @binding(5) var<storage, read_write> hn: array<f32>;    // [T*B, H]: W_hn h + b_hn
@group(0) @binding(6) var<storage, read> lengths: array<u32>;     // [B]
@group(1) @binding(0) var<uniform> step: Step;

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b0 = gid.y * 4u;
  if (i >= H) { return; }
  let t = step.t;
  let last = B - 1u;
  let base = t * B * H;
  let p = vec4<u32>(base + min(b0, last) * H, base + min(b0 + 1u, last) * H,
                    base + min(b0 + 2u, last) * H, base + min(b0 + 3u, last) * H);
  let wr = off.whh + i * H;
  let wz = off.whh + (H + i) * H;
  let wn = off.whh + (2u * H + i) * H;
  var ar = vec4<f32>(0.0);
  var az = vec4<f32>(0.0);
  var an = vec4<f32>(0.0);
  for (var j = 0u; j < H; j++) {
    let h = vec4<f32>(hs[p.x + j], hs[p.y + j], hs[p.z + j], hs[p.w + j]);
    ar += params[wr + j] * h;
    az += params[wz + j] * h;
    an += params[wn + j] * h;
  }
  let bias = vec3<f32>(params[off.bhh + i], params[off.bhh + H + i], params[off.bhh + 2u * H + i]);
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let row = t * B + b;
    hs[(row + B) * H + i] = update(t, b, i, vec3<f32>(ar[c], az[c], an[c]) + bias, hs[row * H + i]);
  }
}

@compute @workgroup_size(WG)
fn mainVec4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b0 = gid.y * 4u;
  if (i >= H) { return; }
  let t = step.t;
  let last = B - 1u;
  let base = t * B * H;
  let p = vec4<u32>(base + min(b0, last) * H, base + min(b0 + 1u, last) * H,
                    base + min(b0 + 2u, last) * H, base + min(b0 + 3u, last) * H) / 4u;
  let w = vec3<u32>(off.whh + i * H, off.whh + (H + i) * H, off.whh + (2u * H + i) * H) / 4u;
  var ar = vec4<f32>(0.0);
  var az = vec4<f32>(0.0);
  var an = vec4<f32>(0.0);
  for (var j = 0u; j < H / 4u; j++) {
    let h0 = hs4[p.x + j];
    let h1 = hs4[p.y + j];
    let h2 = hs4[p.z + j];
    let h3 = hs4[p.w + j];
    let wr = params4[w.x + j];
    let wz = params4[w.y + j];
    let wn = params4[w.z + j];
    ar += vec4<f32>(dot(wr, h0), dot(wr, h1), dot(wr, h2), dot(wr, h3));
    az += vec4<f32>(dot(wz, h0), dot(wz, h1), dot(wz, h2), dot(wz, h3));
    an += vec4<f32>(dot(wn, h0), dot(wn, h1), dot(wn, h2), dot(wn, h3));
  }
  let bias = vec3<f32>(scalar4(off.bhh + i), scalar4(off.bhh + H + i), scalar4(off.bhh + 2u * H + i));
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let o = (t * B + b) * H + i;
    hs4[(o + B * H) / 4u][o % 4u] = update(t, b, i, vec3<f32>(ar[c], az[c], an[c]) + bias, hs4[o / 4u][o % 4u]);
  }
}

fn scalar4(k: u32) -> f32 { return params4[k / 4u][k % 4u]; }

/**
 * Gates of (row, i) from the hidden-side pre-activations (W_hr h + b_hr, W_hz h + b_hz, W_hn h + b_hn),
 * and the returned new state. Touches neither params nor hs, so both entry points share it.
 */
fn update(t: u32, b: u32, i: u32, hid: vec3<f32>, hPrev: f32) -> f32 {
  let G = 3u * H;
  let row = t * B + b;
  if (t >= lengths[b]) {
    // Past the sequence's end: carry the state; zero gates make the backward step pass nothing.
    gates[row * G + i] = 0.0;
    gates[row * G + H + i] = 0.0;
    gates[row * G + 2u * H + i] = 0.0;
    hn[row * H + i] = 0.0;
    return hPrev;
  }
  let r = sigmoid(proj[row * G + i] + hid.x);
  let z = sigmoid(proj[row * G + H + i] + hid.y);
  let n = tanh(proj[row * G + 2u * H + i] + r * hid.z);
  gates[row * G + i] = r;
  gates[row * G + H + i] = z;
  gates[row * G + 2u * H + i] = n;
  hn[row * H + i] = hid.z;
  return (1.0 - z) * n + z * hPrev;
}
