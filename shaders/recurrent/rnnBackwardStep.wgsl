// The Elman RNN's gradient at one step (backwardStep.wgsl runs it for t = T-1 down to 0):
// δ_t = (dh_t + W_hhᵀ δ_{t+1}) ⊙ act'(h_t), with δ_T = 0.
// It works in place: dh[t] (the loss gradient reaching h_t from the head) becomes δ_t. Invocation
// (u0, b0) is the only reader of dh[t] at its (row, unit) pairs, and δ_{t+1} was written by the
// previous dispatch.

override RELU: bool = false;

const GATES: u32 = 1u;

@group(0) @binding(2) var<storage, read> hs: array<f32>;          // [(T+1)*B, H]
@group(0) @binding(3) var<storage, read_write> dh: array<f32>;    // [T*B, H] -> δ

/** dA_{t+1} as the W_hhᵀ product reads it (by the backward kernels, backwardStep.wgsl and backwardTile.wgsl). */
fn nextAt(i: u32) -> f32 { return dh[i]; }

/** act'(pre), written through h = act(pre) (h_t sits one block of B rows after row r of dh). */
fn activationGrad(h: f32) -> f32 {
  if (RELU) { return select(0.0, 1.0, h > 0.0); }
  return 1.0 - h * h;
}

/** δ of (row, u) from W_hhᵀ δ_{t+1} (fromNext). */
fn gateGrads(t: u32, row: u32, u: u32, fromNext: f32) {
  let o = row * H + u;
  dh[o] = (dh[o] + fromNext) * activationGrad(hs[o + B * H]);
}
