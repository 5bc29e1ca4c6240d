// One time step of an LSTM layer, fused (PyTorch gate order [i, f, g, o]):
//   [i, f, g, o] = [σ, σ, tanh, σ](P + W_hh h + b_hh), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'),
// where P = W_ih x + b_ih was computed for all steps before the loop.
// Invocation (u, b0) computes unit u for batch rows b0..b0+3 (four gate rows dotted with h_{t-1} of
// four rows at once; rows past the batch clamped, not branched on). Stores the gates for the backward step.
// `mainVec4` (H % 4 == 0) reads W_hh rows and h_{t-1} as vec4: a quarter of the load instructions.
// Past a row's length h and c are carried unchanged and the step's projection is never read.

override H: u32;
override B: u32;

const WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> proj: array<f32>;        // [T*B, 4H]
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;    // [(T+1)*B, H], block 0 = h0
@group(0) @binding(3) var<storage, read_write> hs4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> gates: array<f32>; // [T*B, 4H]: i, f, g, o
@group(0) @binding(5) var<storage, read_write> cs: array<f32>;    // [(T+1)*B, H], block 0 = c0
@group(0) @binding(6) var<storage, read> lengths: array<u32>;     // [B]
@group(1) @binding(0) var<uniform> step: Step;

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let u = gid.x;
  let b0 = gid.y * 4u;
  if (u >= H) { return; }
  let t = step.t;
  let last = B - 1u;
  let base = t * B * H;
  let p = vec4<u32>(base + min(b0, last) * H, base + min(b0 + 1u, last) * H,
                    base + min(b0 + 2u, last) * H, base + min(b0 + 3u, last) * H);
  let wi = off.whh + u * H;
  let wf = off.whh + (H + u) * H;
  let wg = off.whh + (2u * H + u) * H;
  let wo = off.whh + (3u * H + u) * H;
  var ai = vec4<f32>(0.0);
  var af = vec4<f32>(0.0);
  var ag = vec4<f32>(0.0);
  var ao = vec4<f32>(0.0);
  for (var j = 0u; j < H; j++) {
    let h = vec4<f32>(hs[p.x + j], hs[p.y + j], hs[p.z + j], hs[p.w + j]);
    ai += params[wi + j] * h;
    af += params[wf + j] * h;
    ag += params[wg + j] * h;
    ao += params[wo + j] * h;
  }
  let bias = vec4<f32>(params[off.bhh + u], params[off.bhh + H + u], params[off.bhh + 2u * H + u], params[off.bhh + 3u * H + u]);
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let row = t * B + b;
    hs[(row + B) * H + u] = update(t, b, u, vec4<f32>(ai[c], af[c], ag[c], ao[c]) + bias, hs[row * H + u]);
  }
}

@compute @workgroup_size(WG)
fn mainVec4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let u = gid.x;
  let b0 = gid.y * 4u;
  if (u >= H) { return; }
  let t = step.t;
  let last = B - 1u;
  let base = t * B * H;
  let p = vec4<u32>(base + min(b0, last) * H, base + min(b0 + 1u, last) * H,
                    base + min(b0 + 2u, last) * H, base + min(b0 + 3u, last) * H) / 4u;
  let w = vec4<u32>(off.whh + u * H, off.whh + (H + u) * H, off.whh + (2u * H + u) * H, off.whh + (3u * H + u) * H) / 4u;
  var ai = vec4<f32>(0.0);
  var af = vec4<f32>(0.0);
  var ag = vec4<f32>(0.0);
  var ao = vec4<f32>(0.0);
  for (var j = 0u; j < H / 4u; j++) {
    let h0 = hs4[p.x + j];
    let h1 = hs4[p.y + j];
    let h2 = hs4[p.z + j];
    let h3 = hs4[p.w + j];
    let wi = params4[w.x + j];
    let wf = params4[w.y + j];
    let wg = params4[w.z + j];
    let wo = params4[w.w + j];
    ai += vec4<f32>(dot(wi, h0), dot(wi, h1), dot(wi, h2), dot(wi, h3));
    af += vec4<f32>(dot(wf, h0), dot(wf, h1), dot(wf, h2), dot(wf, h3));
    ag += vec4<f32>(dot(wg, h0), dot(wg, h1), dot(wg, h2), dot(wg, h3));
    ao += vec4<f32>(dot(wo, h0), dot(wo, h1), dot(wo, h2), dot(wo, h3));
  }
  let bias = vec4<f32>(scalar4(off.bhh + u), scalar4(off.bhh + H + u), scalar4(off.bhh + 2u * H + u), scalar4(off.bhh + 3u * H + u));
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let o = (t * B + b) * H + u;
    hs4[(o + B * H) / 4u][o % 4u] = update(t, b, u, vec4<f32>(ai[c], af[c], ag[c], ao[c]) + bias, hs4[o / 4u][o % 4u]);
  }
}

fn scalar4(i: u32) -> f32 { return params4[i / 4u][i % 4u]; }

/**
 * Gates, cell state and the returned hidden state of (row, u) from the gate pre-activations less the
 * projection. Touches neither params nor hs, so both entry points (scalar and vec4 views) share it.
 */
fn update(t: u32, b: u32, u: u32, pre: vec4<f32>, hPrev: f32) -> f32 {
  let G = 4u * H;
  let row = t * B + b;
  if (t >= lengths[b]) {
    // Past the sequence's end: carry h and c; zero gates make the backward step pass nothing.
    for (var g = 0u; g < 4u; g++) { gates[row * G + g * H + u] = 0.0; }
    cs[(row + B) * H + u] = cs[row * H + u];
    return hPrev;
  }
  let ig = sigmoid(proj[row * G + u] + pre.x);
  let fg = sigmoid(proj[row * G + H + u] + pre.y);
  let gg = tanh(proj[row * G + 2u * H + u] + pre.z);
  let og = sigmoid(proj[row * G + 3u * H + u] + pre.w);
  let cNew = fg * cs[row * H + u] + ig * gg;
  gates[row * G + u] = ig;
  gates[row * G + H + u] = fg;
  gates[row * G + 2u * H + u] = gg;
  gates[row * G + 3u * H + u] = og;
  cs[(row + B) * H + u] = cNew;
  return og * tanh(cNew);
}
