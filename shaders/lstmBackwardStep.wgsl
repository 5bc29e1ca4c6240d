// Gradient of one LSTM step, run for t = T-1 down to 0, one dispatch per step.
//   dh_t = dh_t(above) + W_hhᵀ dA_{t+1}            (kept in dh[t])
//   dc_t = dh_t ⊙ o ⊙ (1 − tanh² c_t) + f_{t+1} ⊙ dc_{t+1}   (kept in dc[t])
//   dA = [dc ⊙ g ⊙ i(1−i), dc ⊙ c_{t-1} ⊙ f(1−f), dc ⊙ i ⊙ (1−g²), dh ⊙ tanh(c_t) ⊙ o(1−o)]
// dA is the gradient of both W_ih x + b_ih and W_hh h + b_hh (they add before the gates).
// Invocation (u, b0) owns unit u of rows b0..b0+3 in every buffer it writes.
// `mainVec4` (H % 4 == 0) reads dA_{t+1} as vec4 along k: a quarter of the load instructions.

override H: u32;
override B: u32;
override T: u32;

const WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> cs: array<f32>;        // [(T+1)*B, H]
@group(0) @binding(3) var<storage, read> gates: array<f32>;     // [T*B, 4H]
@group(0) @binding(4) var<storage, read_write> dh: array<f32>;  // [T*B, H]
@group(0) @binding(5) var<storage, read_write> dA: array<f32>;  // [T*B, 4H]
@group(0) @binding(5) var<storage, read_write> dA4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dc: array<f32>;  // [T*B, H]
@group(1) @binding(0) var<uniform> step: Step;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let u = gid.x;
  let b0 = gid.y * 4u;
  if (u >= H) { return; }
  let t = step.t;
  let G = 4u * H;
  var acc = vec4<f32>(0.0);
  if (t + 1u < T) {
    let last = B - 1u;
    let base = (t + 1u) * B * G;
    let n = vec4<u32>(base + min(b0, last) * G, base + min(b0 + 1u, last) * G,
                      base + min(b0 + 2u, last) * G, base + min(b0 + 3u, last) * G);
    for (var k = 0u; k < G; k++) {
      acc += params[off.whh + k * H + u] * vec4<f32>(dA[n.x + k], dA[n.y + k], dA[n.z + k], dA[n.w + k]);
    }
  }
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let row = t * B + b;
    let d = gateGrads(t, row, u, acc[c]);
    for (var g = 0u; g < 4u; g++) { dA[row * G + g * H + u] = d[g]; }
  }
}

/** dh_t and dc_t of (row, u) (stored), and the four gate pre-activation gradients. */
fn gateGrads(t: u32, row: u32, u: u32, fromNext: f32) -> vec4<f32> {
  let G = 4u * H;
  let dht = dh[row * H + u] + fromNext;
  dh[row * H + u] = dht;
  let ig = gates[row * G + u];
  let fg = gates[row * G + H + u];
  let gg = gates[row * G + 2u * H + u];
  let og = gates[row * G + 3u * H + u];
  let tc = tanh(cs[(row + B) * H + u]);
  var dct = dht * og * (1.0 - tc * tc);
  if (t + 1u < T) { dct += gates[(row + B) * G + H + u] * dc[(row + B) * H + u]; }
  dc[row * H + u] = dct;
  return vec4<f32>(dct * gg * ig * (1.0 - ig), dct * cs[row * H + u] * fg * (1.0 - fg),
                   dct * ig * (1.0 - gg * gg), dht * tc * og * (1.0 - og));
}

@compute @workgroup_size(WG)
fn mainVec4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let u = gid.x;
  let b0 = gid.y * 4u;
  if (u >= H) { return; }
  let t = step.t;
  let G = 4u * H;
  var acc = vec4<f32>(0.0);
  if (t + 1u < T) {
    let last = B - 1u;
    let base = (t + 1u) * B * G;
    let n = vec4<u32>(base + min(b0, last) * G, base + min(b0 + 1u, last) * G,
                      base + min(b0 + 2u, last) * G, base + min(b0 + 3u, last) * G) / 4u;
    for (var k = 0u; k < G / 4u; k++) {
      let w = off.whh + 4u * k * H + u;
      let col = vec4<f32>(params[w], params[w + H], params[w + 2u * H], params[w + 3u * H]);
      acc += vec4<f32>(dot(col, dA4[n.x + k]), dot(col, dA4[n.y + k]), dot(col, dA4[n.z + k]), dot(col, dA4[n.w + k]));
    }
  }
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let row = t * B + b;
    let d = gateGrads(t, row, u, acc[c]);
    for (var g = 0u; g < 4u; g++) {
      let o = row * G + g * H + u;
      dA4[o / 4u][o % 4u] = d[g];
    }
  }
}
