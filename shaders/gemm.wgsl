// C[M,N] (+)= op(A)[M,K] · op(B)[K,N] (+ bias[N]), a 4x4 block of outputs per invocation.
// One kernel serves every dense product of a training step (real-input projection, head logits,
// head backward, weight gradients); the transposes are override constants, so each use compiles
// to straight-line indexing. Each output sums over k in a fixed order: runs are deterministic.
// No workgroup memory or barriers and no branches in the k loop: on SwiftShader this ran 2-4x
// faster than a 64x64 shared-memory tiling (which a real GPU may prefer; see the bench).
// Two vec4 entry points, chosen by the host when shapes and offsets are multiples of 4:
//   `outerVec4` (TRANS_A, !TRANS_B: the weight gradients Σ_rows δᵀ x): A's four rows and B's four
//     columns at step k are contiguous, one vec4 each;
//   `innerVec4` (!TRANS_A, TRANS_B: a linear layer x Wᵀ): both run along k, so four k at a time
//     are four vec4 per operand feeding 64 multiply-adds.

override TRANS_A: bool = false; // A stored as [K, M]
override TRANS_B: bool = false; // B stored as [N, K]
override ADD_BIAS: bool = false;
override ACCUMULATE: bool = false;

struct Dims {
  M: u32, N: u32, K: u32,
  offA: u32, offB: u32, offC: u32, offBias: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> Bm: array<f32>;
@group(0) @binding(2) var<storage, read> B4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> C: array<f32>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m0 = gid.y * 4u;
  let n0 = gid.x * 4u;
  if (m0 >= d.M || n0 >= d.N) { return; }
  // Rows and columns past the edge are clamped onto the last one: every load is in bounds without
  // a branch, and the extra results are simply not stored.
  var aRow: u32; var aStep: u32; var bCol: u32; var bStep: u32;
  if (TRANS_A) { aRow = 1u; aStep = d.M; } else { aRow = d.K; aStep = 1u; }
  if (TRANS_B) { bCol = d.K; bStep = 1u; } else { bCol = 1u; bStep = d.N; }
  let a0 = d.offA + min(m0, d.M - 1u) * aRow;
  let a1 = d.offA + min(m0 + 1u, d.M - 1u) * aRow;
  let a2 = d.offA + min(m0 + 2u, d.M - 1u) * aRow;
  let a3 = d.offA + min(m0 + 3u, d.M - 1u) * aRow;
  let b0 = d.offB + min(n0, d.N - 1u) * bCol;
  let b1 = d.offB + min(n0 + 1u, d.N - 1u) * bCol;
  let b2 = d.offB + min(n0 + 2u, d.N - 1u) * bCol;
  let b3 = d.offB + min(n0 + 3u, d.N - 1u) * bCol;
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  for (var k = 0u; k < d.K; k++) {
    let ak = k * aStep;
    let bk = k * bStep;
    let b = vec4<f32>(Bm[b0 + bk], Bm[b1 + bk], Bm[b2 + bk], Bm[b3 + bk]);
    c0 += A[a0 + ak] * b;
    c1 += A[a1 + ak] * b;
    c2 += A[a2 + ak] * b;
    c3 += A[a3 + ak] * b;
  }
  store(m0, n0, array<vec4<f32>, 4>(c0, c1, c2, c3));
}

fn store(m0: u32, n0: u32, acc: array<vec4<f32>, 4>) {
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + i;
    if (m >= d.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + j;
      if (n >= d.N) { break; }
      var v = acc[i][j];
      if (ADD_BIAS) { v += bias[d.offBias + n]; }
      let c = d.offC + m * d.N + n;
      if (ACCUMULATE) { v += C[c]; }
      C[c] = v;
    }
  }
}

@compute @workgroup_size(8, 8)
fn outerVec4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m0 = gid.y * 4u;
  let n0 = gid.x * 4u;
  if (m0 >= d.M || n0 >= d.N) { return; }
  let a = (d.offA + m0) / 4u;
  let b = (d.offB + n0) / 4u;
  let aStep = d.M / 4u;
  let bStep = d.N / 4u;
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  for (var k = 0u; k < d.K; k++) {
    let av = A4[a + k * aStep];
    let bv = B4[b + k * bStep];
    c0 += av.x * bv;
    c1 += av.y * bv;
    c2 += av.z * bv;
    c3 += av.w * bv;
  }
  store(m0, n0, array<vec4<f32>, 4>(c0, c1, c2, c3));
}

@compute @workgroup_size(8, 8)
fn innerVec4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m0 = gid.y * 4u;
  let n0 = gid.x * 4u;
  if (m0 >= d.M || n0 >= d.N) { return; }
  // Rows and columns past the edge are clamped onto the last one (no branch in the loop).
  let ks = d.K / 4u;
  let a = vec4<u32>(min(m0, d.M - 1u), min(m0 + 1u, d.M - 1u), min(m0 + 2u, d.M - 1u), min(m0 + 3u, d.M - 1u)) * ks + d.offA / 4u;
  let b = vec4<u32>(min(n0, d.N - 1u), min(n0 + 1u, d.N - 1u), min(n0 + 2u, d.N - 1u), min(n0 + 3u, d.N - 1u)) * ks + d.offB / 4u;
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  for (var k = 0u; k < ks; k++) {
    let b0 = B4[b.x + k]; let b1 = B4[b.y + k]; let b2 = B4[b.z + k]; let b3 = B4[b.w + k];
    let a0 = A4[a.x + k]; let a1 = A4[a.y + k]; let a2 = A4[a.z + k]; let a3 = A4[a.w + k];
    c0 += vec4<f32>(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
    c1 += vec4<f32>(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
    c2 += vec4<f32>(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
    c3 += vec4<f32>(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
  }
  store(m0, n0, array<vec4<f32>, 4>(c0, c1, c2, c3));
}
