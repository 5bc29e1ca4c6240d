// The GRU's gradient at one step (backwardStep.wgsl runs it for t = T-1 down to 0).
// dh[t] arrives holding the gradient from above (head or next layer) and leaves holding the total
//   dh_t = dh_t(above) + W_hhᵀ dAhh_{t+1} + z_{t+1} ⊙ dh_{t+1}.
// Then, with h = h_{t-1}:  dn = dh_t ⊙ (1 − z), dz = dh_t ⊙ (h − n), dPn = dn ⊙ (1 − n²),
//   dPr = dPn ⊙ (W_hn h + b_hn) ⊙ r(1 − r), dPz = dz ⊙ z(1 − z).
// dA (input side, = d(W_ih x + b_ih)) = [dPr, dPz, dPn]; dAhh (hidden side) = [dPr, dPz, dPn ⊙ r]:
// W_hh multiplies only the hidden side, so step t-1 reads dAhh.

const GATES: u32 = 3u;

@group(0) @binding(2) var<storage, read> hs: array<f32>;         // [(T+1)*B, H]
@group(0) @binding(3) var<storage, read> gates: array<f32>;      // [T*B, 3H]
@group(0) @binding(4) var<storage, read> hn: array<f32>;         // [T*B, H]
@group(0) @binding(5) var<storage, read_write> dh: array<f32>;   // [T*B, H]
@group(0) @binding(6) var<storage, read_write> dA: array<f32>;   // [T*B, 3H]
@group(0) @binding(7) var<storage, read_write> dAhh: array<f32>; // [T*B, 3H]

/** dA_{t+1} as the W_hhᵀ product reads it (by the backward kernels, backwardStep.wgsl and backwardTile.wgsl). */
fn nextAt(i: u32) -> f32 { return dAhh[i]; }

/** dh_t (total), dA and dAhh of (row, u). */
fn gateGrads(t: u32, row: u32, u: u32, fromNext: f32) {
  let G = 3u * H;
  var dht = dh[row * H + u] + fromNext;
  if (t + 1u < T) { dht += gates[(row + B) * G + H + u] * dh[(row + B) * H + u]; }
  dh[row * H + u] = dht;
  let r = gates[row * G + u];
  let z = gates[row * G + H + u];
  let nv = gates[row * G + 2u * H + u];
  let hPrev = hs[row * H + u];
  let dpn = dht * (1.0 - z) * (1.0 - nv * nv);
  let dpr = dpn * hn[row * H + u] * r * (1.0 - r);
  let dpz = dht * (hPrev - nv) * z * (1.0 - z);
  dA[row * G + u] = dpr;
  dA[row * G + H + u] = dpz;
  dA[row * G + 2u * H + u] = dpn;
  dAhh[row * G + u] = dpr;
  dAhh[row * G + H + u] = dpz;
  dAhh[row * G + 2u * H + u] = dpn * r;
}
