// The input and the states of a layer's forward kernels (forwardStep.wgsl, forwardSeq.wgsl). The
// cell states its gate count, GATES (1 for the Elman RNN, 3 for the GRU, 4 for the LSTM).

override TOKENS: bool = false; // layer 0 of a token model
override V: u32 = 1u;          // its vocabulary

// W_ih x + b_ih of every step, [T*B, G*H] as f32 bits, or with TOKENS the token ids [T*B] (inputPre).
@group(0) @binding(2) var<storage, read> input: array<u32>;
@group(0) @binding(3) var<storage, read_write> hs: array<f32>; // [(T+1)*B, H], block 0 = h0

/**
 * (W_ih x + b_ih)[row, k]. Token inputs: gathered here from the token's column of W_ih, which saves
 * the projection pass (a dispatch over [T·B, G·H] and that buffer). Otherwise the projection made
 * before the loop, bound as u32 so one binding serves both (bitcast is free).
 */
fn inputPre(row: u32, k: u32) -> f32 {
  if (TOKENS) { return params[off.wih + k * V + input[row]] + params[off.bih + k]; }
  return bitcast<f32>(input[row * GATES * H + k]);
}
