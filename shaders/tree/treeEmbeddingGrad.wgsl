// Gradient of the leaves' embedding: dE[v, j] = Σ over the leaves holding token v of δ[leaf, j],
// for the first EW columns of each δ row (rnn: the H pre-activations; Tree-LSTM: the [i, o, u]
// blocks, 3H). The leaves of each token come pre-grouped (a counting sort done with the batch), so
// every output is one fixed-order sum: deterministic without float atomics. Tokens that no leaf
// holds get 0. Output layout [V, EW], as nn.Embedding's weight.

override EW: u32; // embedding row width
override GW: u32; // δ row width (G·H)

struct Offsets { demb: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> dpre: array<f32>;       // [N, GW]
@group(0) @binding(2) var<storage, read> tokOffsets: array<u32>; // [V + 1]
@group(0) @binding(3) var<storage, read> tokRows: array<u32>;    // leaf node ids grouped by token
@group(0) @binding(4) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let v = gid.y;
  if (j >= EW) { return; }
  var s = 0.0;
  for (var p = tokOffsets[v]; p < tokOffsets[v + 1u]; p++) { s += dpre[tokRows[p] * GW + j]; }
  grads[off.demb + v * EW + j] = s;
}
