// C[M,N] (+)= op(A)[M,K] · op(B)[K,N] (+ bias[N]), tiled 64x64 with 4x4 outputs per invocation.
// One kernel serves every dense product of a training step (real-input projection, head logits,
// head backward, weight gradients); the transposes are override constants, so each use compiles
// to straight-line indexing. Each output sums over k in a fixed order: runs are deterministic.

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
@group(0) @binding(2) var<storage, read> Bm: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> C: array<f32>;

const TILE: u32 = 64u;
const TK: u32 = 16u;

var<workgroup> As: array<f32, 1024>; // [TK][TILE]
var<workgroup> Bs: array<f32, 1024>; // [TK][TILE]

fn loadA(m: u32, k: u32) -> f32 {
  if (m >= d.M || k >= d.K) { return 0.0; }
  if (TRANS_A) { return A[d.offA + k * d.M + m]; }
  return A[d.offA + m * d.K + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (k >= d.K || n >= d.N) { return 0.0; }
  if (TRANS_B) { return Bm[d.offB + n * d.K + k]; }
  return Bm[d.offB + k * d.N + n];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tid = lid.y * 16u + lid.x;
  let m0 = wid.y * TILE;
  let n0 = wid.x * TILE;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < d.K; k0 += TK) {
    for (var e = 0u; e < 4u; e++) {
      let idx = tid + e * 256u;
      // Neighbouring invocations read neighbouring addresses in whichever layout the operand has.
      var kk: u32; var mm: u32;
      if (TRANS_A) { kk = idx / TILE; mm = idx % TILE; } else { mm = idx / TK; kk = idx % TK; }
      As[kk * TILE + mm] = loadA(m0 + mm, k0 + kk);
      var kb: u32; var nn: u32;
      if (TRANS_B) { nn = idx / TK; kb = idx % TK; } else { kb = idx / TILE; nn = idx % TILE; }
      Bs[kb * TILE + nn] = loadB(k0 + kb, n0 + nn);
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let a = vec4<f32>(As[k * TILE + lid.y * 4u], As[k * TILE + lid.y * 4u + 1u],
                        As[k * TILE + lid.y * 4u + 2u], As[k * TILE + lid.y * 4u + 3u]);
      let b = vec4<f32>(Bs[k * TILE + lid.x * 4u], Bs[k * TILE + lid.x * 4u + 1u],
                        Bs[k * TILE + lid.x * 4u + 2u], Bs[k * TILE + lid.x * 4u + 3u]);
      acc[0] += a.x * b;
      acc[1] += a.y * b;
      acc[2] += a.z * b;
      acc[3] += a.w * b;
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + lid.y * 4u + i;
    if (m >= d.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + lid.x * 4u + j;
      if (n >= d.N) { break; }
      var v = acc[i][j];
      if (ADD_BIAS) { v += bias[d.offBias + n]; }
      let c = d.offC + m * d.N + n;
      if (ACCUMULATE) { v += C[c]; }
      C[c] = v;
    }
  }
}
