// One time step of a GRU layer, fused (PyTorch gate order [r, z, n]):
//   r = σ(P_r + W_hr h + b_hr), z = σ(P_z + W_hz h + b_hz),
//   n = tanh(P_n + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h,
// where P = W_ih x + b_ih was computed for all steps before the loop.
// Invocation (i, b0) computes unit i for batch rows b0..b0+3: the three gate rows of unit i are dotted
// with h_{t-1} of four rows at once. Rows past the batch are clamped (no branches in the loop) and dropped.
// Stores the gates (r, z, n) and W_hn h + b_hn for the backward step. Past a row's length the state
// is carried unchanged and the step's projection is never read.

override H: u32;
override B: u32;

const WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> proj: array<f32>;        // [T*B, 3H]
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;    // [(T+1)*B, H], block 0 = h0
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
  let G = 3u * H;
  for (var c = 0u; c < 4u; c++) {
    let b = b0 + c;
    if (b >= B) { break; }
    let row = t * B + b;
    let hPrev = hs[row * H + i];
    if (t >= lengths[b]) {
      // Past the sequence's end: carry the state; zero gates make the backward step pass nothing.
      gates[row * G + i] = 0.0;
      gates[row * G + H + i] = 0.0;
      gates[row * G + 2u * H + i] = 0.0;
      hn[row * H + i] = 0.0;
      hs[(row + B) * H + i] = hPrev;
      continue;
    }
    let r = sigmoid(proj[row * G + i] + params[off.bhh + i] + ar[c]);
    let z = sigmoid(proj[row * G + H + i] + params[off.bhh + H + i] + az[c]);
    let hnv = an[c] + params[off.bhh + 2u * H + i];
    let n = tanh(proj[row * G + 2u * H + i] + r * hnv);
    gates[row * G + i] = r;
    gates[row * G + H + i] = z;
    gates[row * G + 2u * H + i] = n;
    hn[row * H + i] = hnv;
    hs[(row + B) * H + i] = (1.0 - z) * n + z * hPrev;
  }
}
