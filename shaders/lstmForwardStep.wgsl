// One time step of an LSTM layer, fused (PyTorch gate order [i, f, g, o]):
//   [i, f, g, o] = [σ, σ, tanh, σ](P + W_hh h + b_hh), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'),
// where P = W_ih x + b_ih was computed for all steps before the loop.
// Invocation (u, b0) computes unit u for batch rows b0..b0+3 (four gate rows dotted with h_{t-1} of
// four rows at once; rows past the batch clamped, not branched on). Stores the gates for the backward step.
// Past a row's length h and c are carried unchanged and the step's projection is never read.

override H: u32;
override B: u32;

const WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> proj: array<f32>;        // [T*B, 4H]
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;    // [(T+1)*B, H], block 0 = h0
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
  let G = 4u * H;
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let row = t * B + b;
    if (t >= lengths[b]) {
      // Past the sequence's end: carry h and c; zero gates make the backward step pass nothing.
      for (var g = 0u; g < 4u; g++) { gates[row * G + g * H + u] = 0.0; }
      cs[(row + B) * H + u] = cs[row * H + u];
      hs[(row + B) * H + u] = hs[row * H + u];
      continue;
    }
    let ig = sigmoid(proj[row * G + u] + params[off.bhh + u] + ai[c]);
    let fg = sigmoid(proj[row * G + H + u] + params[off.bhh + H + u] + af[c]);
    let gg = tanh(proj[row * G + 2u * H + u] + params[off.bhh + 2u * H + u] + ag[c]);
    let og = sigmoid(proj[row * G + 3u * H + u] + params[off.bhh + 3u * H + u] + ao[c]);
    let cNew = fg * cs[row * H + u] + ig * gg;
    gates[row * G + u] = ig;
    gates[row * G + H + u] = fg;
    gates[row * G + 2u * H + u] = gg;
    gates[row * G + 3u * H + u] = og;
    cs[(row + B) * H + u] = cNew;
    hs[(row + B) * H + u] = og * tanh(cNew);
  }
}
