// One step of the Elman RNN for one (batch row, unit): h_t = act(P_t + b_hh + W_hh h_{t-1}), act =
// tanh or relu, P = W_ih x + b_ih (inputPre, forwardInput.wgsl). The update of both forward kernels:
// the per-step one (forwardStep.wgsl, with rnnForwardStep.wgsl's tile) and the whole-sequence one
// (forwardSeq.wgsl). Ragged batches: at steps past a row's length the state is carried unchanged
// (packed-sequence semantics), and that step's input is never read.

override RELU: bool = false;

const GATES: u32 = 1u;
alias Gates = f32;

@group(0) @binding(4) var<storage, read> lengths: array<u32>; // [B]; past its length a row keeps its state

/** Unit u's W_hh row at column j (i = its offset + j) or its b_hh; one gate, so `stride` is unused. */
fn gatesAt(i: u32, stride: u32) -> Gates { return params[i]; }

fn activate(pre: f32) -> f32 {
  if (RELU) { return max(pre, 0.0); }
  return tanhBounded(pre);
}

/** Step t of (b, u) from its W_hh h_{t-1} sum and b_hh: stores h_t and returns it. */
fn cell(t: u32, b: u32, u: u32, hid: f32, bias: f32, hPrev: f32) -> f32 {
  let row = t * B + b;
  var h = hPrev;
  if (t < lengths[b]) { h = activate(inputPre(row, u) + bias + hid); }
  hs[(row + B) * H + u] = h;
  return h;
}
