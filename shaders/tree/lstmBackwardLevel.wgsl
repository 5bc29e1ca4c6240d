// The binary Tree-LSTM's gradient at one node (backwardLevel.wgsl runs it level by level, top down):
//   dh  = dhead + U_sideᵀ δ_parent                 (U_side: the half of U [5H, 2H] that read h)
//   dc  = dc_parent ⊙ f_side(parent) + dh ⊙ o ⊙ (1 − tanh²c)
//   δ_i = dc ⊙ u ⊙ i(1−i)   δ_o = dh ⊙ tanh c ⊙ o(1−o)   δ_u = dc ⊙ i ⊙ (1−u²)
//   δ_fl = dc ⊙ c_left ⊙ f_l(1−f_l)   δ_fr = dc ⊙ c_right ⊙ f_r(1−f_r)
// The stored activations are post-nonlinearity (i, o, f = σ(·), u = tanh(·)). Leaves have f = 0 and
// children pointing at the zero row, so the same code gives them δ_f = 0. A root's parent is the zero
// row past the batch (δ, dc and f all 0 there).

const GATES: u32 = 5u;

@group(0) @binding(3) var<storage, read> cs: array<f32>;          // [N + 1, H]
@group(0) @binding(4) var<storage, read> gates: array<f32>;       // [N + 1, 5H]
@group(0) @binding(5) var<storage, read> dhead: array<f32>;       // [N, H]
@group(0) @binding(6) var<storage, read_write> dpre: array<f32>;  // [N + 1, 5H]: δ; row N stays 0
@group(0) @binding(7) var<storage, read_write> dc: array<f32>;    // [N + 1, H]: total dL/dc; row N stays 0

fn nodeGrads(m: u32, i: u32, fromParent: f32) {
  let node = nodes[m];
  let parentGate = node.z * 5u * H + (3u + node.w) * H + i; // f_side of the parent
  let dh = dhead[m * H + i] + fromParent;
  let g = m * 5u * H + i;
  let ig = gates[g];
  let og = gates[g + H];
  let ug = gates[g + 2u * H];
  let fl = gates[g + 3u * H];
  let fr = gates[g + 4u * H];
  let tc = tanhBounded(cs[m * H + i]);
  let dct = dc[node.z * H + i] * gates[parentGate] + dh * og * (1.0 - tc * tc);
  dc[m * H + i] = dct;
  dpre[g] = dct * ug * ig * (1.0 - ig);
  dpre[g + H] = dh * tc * og * (1.0 - og);
  dpre[g + 2u * H] = dct * ig * (1.0 - ug * ug);
  dpre[g + 3u * H] = dct * cs[node.x * H + i] * fl * (1.0 - fl);
  dpre[g + 4u * H] = dct * cs[node.y * H + i] * fr * (1.0 - fr);
}
