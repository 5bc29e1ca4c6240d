// One step of an LSTM layer for one (batch row, unit), PyTorch gate order [i, f, g, o]:
//   [i, f, g, o] = [σ, σ, tanh, σ](P + W_hh h + b_hh), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'),
// where P = W_ih x + b_ih (inputPre, forwardInput.wgsl). The update of both forward kernels: the
// per-step one (forwardStep.wgsl, with lstmForwardStep.wgsl's tile) and the whole-sequence one
// (forwardSeq.wgsl). c_{t-1} is read back from cs, where the same invocation stored it the step
// before. Stores the gates for the backward step. Past a row's length h and c are carried
// unchanged, zero gates make the backward step pass nothing, and the step's input is never read.

const GATES: u32 = 4u;
alias Gates = vec4<f32>; // one unit's [i, f, g, o]

@group(0) @binding(4) var<storage, read_write> gates: array<f32>; // [T*B, 4H]: i, f, g, o
@group(0) @binding(5) var<storage, read_write> cs: array<f32>;    // [(T+1)*B, H], block 0 = c0
@group(0) @binding(6) var<storage, read> lengths: array<u32>;     // [B]

/** A unit's four gates from params[i], [i + stride], ...: a W_hh row (stride H·H) or b_hh (stride H). */
fn gatesAt(i: u32, stride: u32) -> Gates { return vec4<f32>(params[i], params[i + stride], params[i + 2u * stride], params[i + 3u * stride]); }

/** Step t of (b, u) from its W_hh h_{t-1} sums and b_hh: stores the gates, c_t and h_t; returns h_t. */
fn cell(t: u32, b: u32, u: u32, hid: Gates, bias: Gates, hPrev: f32) -> f32 {
  let G = 4u * H;
  let row = t * B + b;
  let next = (row + B) * H + u;
  let cPrev = cs[row * H + u];
  var h = hPrev;
  var c = cPrev;
  if (t >= lengths[b]) {
    for (var g = 0u; g < 4u; g++) { gates[row * G + g * H + u] = 0.0; }
  } else {
    let pre = hid + bias;
    let ig = sigmoid(inputPre(row, u) + pre.x);
    let fg = sigmoid(inputPre(row, H + u) + pre.y);
    let gg = tanhBounded(inputPre(row, 2u * H + u) + pre.z);
    let og = sigmoid(inputPre(row, 3u * H + u) + pre.w);
    c = fg * cPrev + ig * gg;
    gates[row * G + u] = ig;
    gates[row * G + H + u] = fg;
    gates[row * G + 2u * H + u] = gg;
    gates[row * G + 3u * H + u] = og;
    h = og * tanhBounded(c);
  }
  cs[next] = c;
  hs[next] = h;
  return h;
}
