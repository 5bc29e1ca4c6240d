// Gradient of one GRU step, run for t = T-1 down to 0, one dispatch per step.
// dh[t] arrives holding the gradient from above (head or next layer) and leaves holding the total
//   dh_t = dh_t(above) + W_hhᵀ dAhh_{t+1} + z_{t+1} ⊙ dh_{t+1}.
// Then, with h = h_{t-1}:  dn = dh_t ⊙ (1 − z), dz = dh_t ⊙ (h − n), dPn = dn ⊙ (1 − n²),
//   dPr = dPn ⊙ (W_hn h + b_hn) ⊙ r(1 − r), dPz = dz ⊙ z(1 − z).
// dA (input side, = d(W_ih x + b_ih)) = [dPr, dPz, dPn]; dAhh (hidden side) = [dPr, dPz, dPn ⊙ r].
// Invocation (i, b0) owns unit i of rows b0..b0+3 in every buffer it writes.
// `mainVec4` (H % 4 == 0) reads dAhh_{t+1} as vec4 along k: a quarter of the load instructions.

override H: u32;
override B: u32;
override T: u32;

const WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> hs: array<f32>;         // [(T+1)*B, H]
@group(0) @binding(3) var<storage, read> gates: array<f32>;      // [T*B, 3H]
@group(0) @binding(4) var<storage, read> hn: array<f32>;         // [T*B, H]
@group(0) @binding(5) var<storage, read_write> dh: array<f32>;   // [T*B, H]
@group(0) @binding(6) var<storage, read_write> dA: array<f32>;   // [T*B, 3H]
@group(0) @binding(7) var<storage, read_write> dAhh: array<f32>; // [T*B, 3H]
@group(0) @binding(7) var<storage, read_write> dAhh4: array<vec4<f32>>;
@group(1) @binding(0) var<uniform> step: Step;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b0 = gid.y * 4u;
  if (i >= H) { return; }
  let t = step.t;
  let G = 3u * H;
  var acc = vec4<f32>(0.0);
  if (t + 1u < T) {
    let last = B - 1u;
    let base = (t + 1u) * B * G;
    let n = vec4<u32>(base + min(b0, last) * G, base + min(b0 + 1u, last) * G,
                      base + min(b0 + 2u, last) * G, base + min(b0 + 3u, last) * G);
    for (var k = 0u; k < G; k++) {
      acc += params[off.whh + k * H + i] * vec4<f32>(dAhh[n.x + k], dAhh[n.y + k], dAhh[n.z + k], dAhh[n.w + k]);
    }
  }
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let row = t * B + b;
    let d = gateGrads(t, row, i, acc[c]);
    dAhh[row * G + i] = d.x;
    dAhh[row * G + H + i] = d.y;
    dAhh[row * G + 2u * H + i] = d.w;
  }
}

/**
 * Stores dh_t (total) and dA of (row, i); returns (dPr, dPz, dPn, dPn ⊙ r): the hidden-side
 * gradients are (x, y, w) — only the n gate's differs from the input side.
 */
fn gateGrads(t: u32, row: u32, i: u32, fromNext: f32) -> vec4<f32> {
  let G = 3u * H;
  var dht = dh[row * H + i] + fromNext;
  if (t + 1u < T) { dht += gates[(row + B) * G + H + i] * dh[(row + B) * H + i]; }
  dh[row * H + i] = dht;
  let r = gates[row * G + i];
  let z = gates[row * G + H + i];
  let nv = gates[row * G + 2u * H + i];
  let hPrev = hs[row * H + i];
  let dpn = dht * (1.0 - z) * (1.0 - nv * nv);
  let dpr = dpn * hn[row * H + i] * r * (1.0 - r);
  let dpz = dht * (hPrev - nv) * z * (1.0 - z);
  dA[row * G + i] = dpr;
  dA[row * G + H + i] = dpz;
  dA[row * G + 2u * H + i] = dpn;
  return vec4<f32>(dpr, dpz, dpn, dpn * r);
}

@compute @workgroup_size(WG)
fn mainVec4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b0 = gid.y * 4u;
  if (i >= H) { return; }
  let t = step.t;
  let G = 3u * H;
  var acc = vec4<f32>(0.0);
  if (t + 1u < T) {
    let last = B - 1u;
    let base = (t + 1u) * B * G;
    let n = vec4<u32>(base + min(b0, last) * G, base + min(b0 + 1u, last) * G,
                      base + min(b0 + 2u, last) * G, base + min(b0 + 3u, last) * G) / 4u;
    for (var k = 0u; k < G / 4u; k++) {
      let w = off.whh + 4u * k * H + i;
      let col = vec4<f32>(params[w], params[w + H], params[w + 2u * H], params[w + 3u * H]);
      acc += vec4<f32>(dot(col, dAhh4[n.x + k]), dot(col, dAhh4[n.y + k]), dot(col, dAhh4[n.z + k]), dot(col, dAhh4[n.w + k]));
    }
  }
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let row = t * B + b;
    let d = gateGrads(t, row, i, acc[c]);
    let o = row * G + i;
    dAhh4[o / 4u][o % 4u] = d.x;
    dAhh4[(o + H) / 4u][(o + H) % 4u] = d.y;
    dAhh4[(o + 2u * H) / 4u][(o + 2u * H) % 4u] = d.w;
  }
}
