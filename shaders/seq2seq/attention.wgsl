// The attention of the seq2seq readout (gpu/seq2seq/attention.ts is its float64 specification), for
// decoder row q = u·B + b over the real source steps j < n = sourceLengths[b] (memory row j·B + b):
//   score_j = q_u · k_j                      'dot' (q = s, k = e), 'general' (q = s, k = W_a e)
//           = v · tanh(q_u + k_j)            'additive' (q = W_q s, k = W_k e)   ADDITIVE
//   α = softmax(score) (max subtracted);  c = Σ_j α_j e_j
// Writes α into alignment[q, 0..S) (0 at j ≥ n) and c into the left half of x = [c; s] [U·B, 2W]
// (readoutRows.wgsl's copyRows fills the right half). A padded row (u ≥ targetLengths[b]) reads
// nothing and gets α = 0, c = 0. The keys (and additive queries) come precomputed by GEMMs, so this
// kernel is the part no GEMM expresses: per-row softmax over a ragged set of steps.
// One workgroup per decoder row: an invocation per source step for the scores (S is small), then one
// per column of c, reading e row-wise (coalesced). The row of α holds the raw scores until the softmax
// overwrites them (no workgroup array sized by S; storageBarrier orders the hand-overs).

override S: u32;
override B: u32;
override W: u32;
override K: u32;                   // width of q and k: W, or A ('additive')
override ADDITIVE: bool = false;
override V_OFF: u32 = 0u;          // attention.v.weight in params ('additive')

const WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> sourceLengths: array<u32>;
@group(0) @binding(1) var<storage, read> targetLengths: array<u32>;
@group(0) @binding(2) var<storage, read> query: array<f32>;   // [U·B, K]
@group(0) @binding(3) var<storage, read> keys: array<f32>;    // [S·B, K]
@group(0) @binding(4) var<storage, read> params: array<f32>;
@group(0) @binding(5) var<storage, read> memory: array<f32>;  // e [S·B, W]
@group(0) @binding(6) var<storage, read_write> alignment: array<f32>; // [U·B, S]
@group(0) @binding(7) var<storage, read_write> x: array<f32>;         // [U·B, 2W]

fn scoreOf(q: u32, r: u32) -> f32 {
  var acc = 0.0;
  for (var m = 0u; m < K; m++) {
    if (ADDITIVE) { acc += params[V_OFF + m] * tanhBounded(query[q * K + m] + keys[r * K + m]); }
    else { acc += query[q * K + m] * keys[r * K + m]; }
  }
  return acc;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let q = wid.x;
  let b = q % B;
  let n = sourceLengths[b];
  let row = q * S;
  if (q / B >= targetLengths[b]) {
    for (var j = lid; j < S; j += WG) { alignment[row + j] = 0.0; }
    for (var i = lid; i < W; i += WG) { x[q * 2u * W + i] = 0.0; }
    return;
  }
  for (var j = lid; j < n; j += WG) { alignment[row + j] = scoreOf(q, j * B + b); }
  storageBarrier();
  // Every invocation forms the same max and sum (same order): no second reduction.
  var mx = alignment[row];
  for (var j = 1u; j < n; j++) { mx = max(mx, alignment[row + j]); }
  var sum = 0.0;
  for (var j = 0u; j < n; j++) { sum += exp(alignment[row + j] - mx); }
  storageBarrier(); // every score read before any is overwritten
  for (var j = lid; j < S; j += WG) {
    var a = 0.0;
    if (j < n) { a = exp(alignment[row + j] - mx) / sum; }
    alignment[row + j] = a;
  }
  storageBarrier();
  for (var i = lid; i < W; i += WG) {
    var c = 0.0;
    for (var j = 0u; j < n; j++) { c += alignment[row + j] * memory[(j * B + b) * W + i]; }
    x[q * 2u * W + i] = c;
  }
}
