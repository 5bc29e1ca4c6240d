// One step of a GRU layer for one (batch row, unit), PyTorch gate order [r, z, n]:
//   r = σ(P_r + W_hr h + b_hr), z = σ(P_z + W_hz h + b_hz),
//   n = tanh(P_n + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h,
// where P = W_ih x + b_ih (inputPre, forwardInput.wgsl). The update of both forward kernels: the
// per-step one (forwardStep.wgsl, with gruForwardStep.wgsl's tile) and the whole-sequence one
// (forwardSeq.wgsl). Stores the gates (r, z, n) and W_hn h + b_hn for the backward step. Past a
// row's length the state is carried unchanged, zero gates make the backward step pass nothing, and
// the step's input is never read.

const GATES: u32 = 3u;
alias Gates = vec3<f32>; // one unit's [r, z, n]

@group(0) @binding(4) var<storage, read_write> gates: array<f32>; // [T*B, 3H]: r, z, n
@group(0) @binding(5) var<storage, read_write> hn: array<f32>;    // [T*B, H]: W_hn h + b_hn
@group(0) @binding(6) var<storage, read> lengths: array<u32>;     // [B]

/** A unit's three gates from params[i], [i + stride], [i + 2·stride]: a W_hh row (stride H·H) or b_hh (stride H). */
fn gatesAt(i: u32, stride: u32) -> Gates { return vec3<f32>(params[i], params[i + stride], params[i + 2u * stride]); }

/** Step t of (b, u) from its W_h· h_{t-1} sums and b_h·: stores the gates, W_hn h + b_hn and h_t; returns h_t. */
fn cell(t: u32, b: u32, u: u32, hid: Gates, bias: Gates, hPrev: f32) -> f32 {
  let G = 3u * H;
  let row = t * B + b;
  var h = hPrev;
  if (t >= lengths[b]) {
    gates[row * G + u] = 0.0;
    gates[row * G + H + u] = 0.0;
    gates[row * G + 2u * H + u] = 0.0;
    hn[row * H + u] = 0.0;
  } else {
    let a = hid + bias;
    let r = sigmoid(inputPre(row, u) + a.x);
    let z = sigmoid(inputPre(row, H + u) + a.y);
    let n = tanhBounded(inputPre(row, 2u * H + u) + r * a.z);
    gates[row * G + u] = r;
    gates[row * G + H + u] = z;
    gates[row * G + 2u * H + u] = n;
    hn[row * H + u] = a.z;
    h = (1.0 - z) * n + z * hPrev;
  }
  hs[(row + B) * H + u] = h;
  return h;
}
