// The gradient of a recurrent layer's initial state (block 0 of hs, and of cs), which the step kernels
// do not form: a recurrent model's h0 is not trained, but a decoder's is the encoder's final state.
// From step 0's gradients, for each (row b, unit j):
//   dh_init[b, j] = Σ_k W_hh[k, j] · dA_0[b, k]      (the GRU's hidden side dAhh; the Elman cell's δ is dh)
//                 + z_0[b, j] · δh_0[b, j]             (GRU only: h' = (1 − z) ⊙ n + z ⊙ h passes h straight on)
//   dc_init[b, j] = f_0[b, j] · δc_0[b, j]            (LSTM only: c' = f ⊙ c + i ⊙ g)
// δh_0 and δc_0 are the totals the backward steps left in dh and dc at step 0. Each invocation reads
// column j of W_hh down its G·H rows: neighbouring invocations read neighbouring floats.

override H: u32;
override B: u32;
/** 0: Elman RNN, 1: GRU, 2: LSTM. */
override CELL: u32;
override GATES: u32;
/** Float offset of W_hh [G·H, H] in params. */
override WHH: u32;

@group(0) @binding(0) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read> dA: array<f32>;    // [T*B, G*H]: step 0's rows first (GRU: dAhh; Elman: dh)
@group(0) @binding(2) var<storage, read> dh: array<f32>;    // [T*B, H]
@group(0) @binding(3) var<storage, read> gates: array<f32>; // [T*B, G*H] (GRU, LSTM; else unread)
@group(0) @binding(4) var<storage, read> dc: array<f32>;    // [T*B, H] (LSTM; else unread)
@group(0) @binding(5) var<storage, read_write> dhInit: array<f32>; // [B, H]
@group(0) @binding(6) var<storage, read_write> dcInit: array<f32>; // [B, H] (LSTM; else unwritten)

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let b = gid.y;
  if (j >= H || b >= B) { return; }
  let G = GATES * H;
  var sum = 0.0;
  for (var k = 0u; k < G; k++) { sum += params[WHH + k * H + j] * dA[b * G + k]; }
  if (CELL == 1u) { sum += gates[b * G + H + j] * dh[b * H + j]; }
  dhInit[b * H + j] = sum;
  if (CELL == 2u) { dcInit[b * H + j] = gates[b * G + H + j] * dc[b * H + j]; }
}
