// The recursive network's gradient at one node (cell "rnn"; backwardLevel.wgsl runs it level by
// level, top down):
//   dh = dhead + W_sideᵀ δ_parent     (W_side: the half of W [H, 2H] that read this node)
//   δ  = dh ⊙ (1 − h²)                (h = tanh(pre), leaves and inner nodes alike)

const GATES: u32 = 1u;

@group(0) @binding(3) var<storage, read> hs: array<f32>;          // [N, H]
@group(0) @binding(4) var<storage, read> dhead: array<f32>;       // [N, H]: the head's gradient
@group(0) @binding(5) var<storage, read_write> dpre: array<f32>;  // [N + 1, H]: δ; row N stays 0

fn nodeGrads(m: u32, i: u32, fromParent: f32) {
  let k = m * H + i;
  let h = hs[k];
  dpre[k] = (dhead[k] + fromParent) * (1.0 - h * h);
}
