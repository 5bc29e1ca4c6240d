// The LSTM's gradient at one step (backwardStep.wgsl runs it for t = T-1 down to 0):
//   dh_t = dh_t(above) + W_hhᵀ dA_{t+1}            (kept in dh[t])
//   dc_t = dh_t ⊙ o ⊙ (1 − tanh² c_t) + f_{t+1} ⊙ dc_{t+1}   (kept in dc[t])
//   dA = [dc ⊙ g ⊙ i(1−i), dc ⊙ c_{t-1} ⊙ f(1−f), dc ⊙ i ⊙ (1−g²), dh ⊙ tanh(c_t) ⊙ o(1−o)]
// dA is the gradient of both W_ih x + b_ih and W_hh h + b_hh (they add before the gates).

const GATES: u32 = 4u;
/** dc arrives holding a gradient of each step's cell state to add (its owner wrote every row first): stepKernels.ts cellGradIn. */
override DC_IN: bool = false;

@group(0) @binding(2) var<storage, read> cs: array<f32>;        // [(T+1)*B, H]
@group(0) @binding(3) var<storage, read> gates: array<f32>;     // [T*B, 4H]
@group(0) @binding(4) var<storage, read_write> dh: array<f32>;  // [T*B, H]
@group(0) @binding(5) var<storage, read_write> dA: array<f32>;  // [T*B, 4H]
@group(0) @binding(6) var<storage, read_write> dc: array<f32>;  // [T*B, H]

/** dA_{t+1} as the W_hhᵀ product reads it (by the backward kernels, backwardStep.wgsl and backwardTile.wgsl). */
fn nextAt(i: u32) -> f32 { return dA[i]; }

/** dh_t and dc_t of (row, u), and the four gate pre-activation gradients into dA. */
fn gateGrads(t: u32, row: u32, u: u32, fromNext: f32) {
  let G = 4u * H;
  let dht = dh[row * H + u] + fromNext;
  dh[row * H + u] = dht;
  let ig = gates[row * G + u];
  let fg = gates[row * G + H + u];
  let gg = gates[row * G + 2u * H + u];
  let og = gates[row * G + 3u * H + u];
  let tc = tanhBounded(cs[(row + B) * H + u]);
  var dct = dht * og * (1.0 - tc * tc);
  if (DC_IN) { dct += dc[row * H + u]; }
  if (t + 1u < T) { dct += gates[(row + B) * G + H + u] * dc[(row + B) * H + u]; }
  dc[row * H + u] = dct;
  dA[row * G + u] = dct * gg * ig * (1.0 - ig);
  dA[row * G + H + u] = dct * cs[row * H + u] * fg * (1.0 - fg);
  dA[row * G + 2u * H + u] = dct * ig * (1.0 - gg * gg);
  dA[row * G + 3u * H + u] = dht * tc * og * (1.0 - og);
}
