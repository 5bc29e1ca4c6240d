// Backward of the attention's softmax (attention.wgsl) for decoder row q = u·B + b, given
// dc = ∂L/∂c (the left half of dx = ∂L/∂[c; s], [U·B, 2W]):
//   dα_j = dc · e_j;   dscore_j = α_j (dα_j − Σ_k α_k dα_k)      over j < n = sourceLengths[b]
// written to dScore [U·B, S], 0 at padded source steps and on padded rows (which read nothing).
// pairGrad.wgsl takes dscore on to the queries, the keys and the memory.
// One workgroup per decoder row, an invocation per source step. The row of dScore holds dα until it is
// overwritten by dscore (no workgroup array sized by S; storageBarrier orders the hand-overs).

override S: u32;
override B: u32;
override W: u32;

const WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> sourceLengths: array<u32>;
@group(0) @binding(1) var<storage, read> targetLengths: array<u32>;
@group(0) @binding(2) var<storage, read> alignment: array<f32>; // α [U·B, S]
@group(0) @binding(3) var<storage, read> memory: array<f32>;    // e [S·B, W]
@group(0) @binding(4) var<storage, read> dx: array<f32>;        // [U·B, 2W]
@group(0) @binding(5) var<storage, read_write> dScore: array<f32>; // [U·B, S]

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let q = wid.x;
  let b = q % B;
  let n = sourceLengths[b];
  let row = q * S;
  if (q / B >= targetLengths[b]) {
    for (var j = lid; j < S; j += WG) { dScore[row + j] = 0.0; }
    return;
  }
  for (var j = lid; j < n; j += WG) {
    var d = 0.0;
    for (var i = 0u; i < W; i++) { d += dx[q * 2u * W + i] * memory[(j * B + b) * W + i]; }
    dScore[row + j] = d; // dα_j
  }
  storageBarrier();
  var mean = 0.0; // Σ_k α_k dα_k, formed alike by every invocation
  for (var k = 0u; k < n; k++) { mean += alignment[row + k] * dScore[row + k]; }
  storageBarrier(); // every dα read before any is overwritten
  for (var j = lid; j < S; j += WG) {
    var d = 0.0;
    if (j < n) { d = alignment[row + j] * (dScore[row + j] - mean); }
    dScore[row + j] = d;
  }
}
