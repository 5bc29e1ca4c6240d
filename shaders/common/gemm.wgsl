// C[M,N] (+)= op(A)[M,K] · op(B)[K,N] (+ bias[N]): every dense product of a training step (real-input
// projection, head logits, head backward, weight gradients over all steps). Each output sums over k
// in a fixed order in one invocation: runs are deterministic.
//
// Register-blocked for CPU-emulated GPUs (SwiftShader), where a load from a buffer costs far more
// than a multiply-add: each invocation computes a TM × 16 tile of C, so per k it loads TM values of
// op(A) and 16 of op(B) and does 16·TM multiply-adds (TM = 16: 8 per load; a 4×4 tile gives 2).
// The tile lives in named struct fields, not arrays: indexed arrays fell out of registers and ran
// 10× slower. No workgroup memory, no barriers, no branches in the k loop: rows and columns past the
// edge are clamped onto the last one and their results are not stored. TM (16, 8 or 4, all rows
// unrolled; `if (TM > 4u)` folds at pipeline creation) and WG are override constants, chosen by
// the host so that small products still spread over every core.
// Loads are scalar, for every transpose and any offset: SwiftShader splits a vec4 load into four
// anyway, and vec4 views (measured: A·B, Aᵀ·B at 512³) ran no faster; nor did unrolling k by 2 or 4.

override TRANS_A: bool = false; // A stored as [K, M]
override TRANS_B: bool = false; // B stored as [N, K]
override ADD_BIAS: bool = false;
override ACCUMULATE: bool = false;
override TM: u32 = 16u;         // rows of C per invocation: 4, 8 or 16
override WG: u32 = 64u;

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

/** 16 consecutive columns of one row of the tile. */
struct Row { c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32> }

fn axpy(r: Row, a: f32, b: Row) -> Row {
  return Row(r.c0 + a * b.c0, r.c1 + a * b.c1, r.c2 + a * b.c2, r.c3 + a * b.c3);
}

/** Four clamped indices: base + min(first + i, last) * stride for i = 0..3. */
fn idx4(base: u32, first: u32, last: u32, stride: u32) -> vec4<u32> {
  return base + vec4<u32>(min(first, last), min(first + 1u, last), min(first + 2u, last), min(first + 3u, last)) * stride;
}

fn ld4(i: vec4<u32>, k: u32) -> vec4<f32> { return vec4<f32>(A[i.x + k], A[i.y + k], A[i.z + k], A[i.w + k]); }
fn ldB4(i: vec4<u32>, k: u32) -> vec4<f32> { return vec4<f32>(Bm[i.x + k], Bm[i.y + k], Bm[i.z + k], Bm[i.w + k]); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  // Tiles are numbered in one dimension (row-major over [M/TM, N/16]): consecutive invocations run
  // as one SIMD group on SwiftShader, and a 2D grid as wide as 8 tiles left most lanes idle on
  // narrow products (N = 65 outputs: 5 tiles per row of 8 invocations).
  let tile = gid.y * nwg.x * WG + gid.x;
  let nTiles = (d.N + 15u) / 16u;
  let n0 = (tile % nTiles) * 16u;
  let m0 = (tile / nTiles) * TM;
  if (m0 >= d.M) { return; }
  var aRow: u32; var aStep: u32; var bCol: u32; var bStep: u32;
  if (TRANS_A) { aRow = 1u; aStep = d.M; } else { aRow = d.K; aStep = 1u; }
  if (TRANS_B) { bCol = d.K; bStep = 1u; } else { bCol = 1u; bStep = d.N; }
  let ml = d.M - 1u;
  let nl = d.N - 1u;
  // Element offsets of the tile's rows of op(A) and columns of op(B) at k = 0.
  let ra0 = idx4(d.offA, m0, ml, aRow); let ra1 = idx4(d.offA, m0 + 4u, ml, aRow);
  let ra2 = idx4(d.offA, m0 + 8u, ml, aRow); let ra3 = idx4(d.offA, m0 + 12u, ml, aRow);
  let cb0 = idx4(d.offB, n0, nl, bCol); let cb1 = idx4(d.offB, n0 + 4u, nl, bCol);
  let cb2 = idx4(d.offB, n0 + 8u, nl, bCol); let cb3 = idx4(d.offB, n0 + 12u, nl, bCol);
  let z = Row(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  var r0 = z; var r1 = z; var r2 = z; var r3 = z; var r4 = z; var r5 = z; var r6 = z; var r7 = z;
  var r8 = z; var r9 = z; var r10 = z; var r11 = z; var r12 = z; var r13 = z; var r14 = z; var r15 = z;
  for (var k = 0u; k < d.K; k++) {
    let ob = k * bStep;
    let b = Row(ldB4(cb0, ob), ldB4(cb1, ob), ldB4(cb2, ob), ldB4(cb3, ob));
    let oa = k * aStep;
    var a0 = ld4(ra0, oa); var a1: vec4<f32>; var a2: vec4<f32>; var a3: vec4<f32>;
    if (TM > 4u) { a1 = ld4(ra1, oa); }
    if (TM > 8u) { a2 = ld4(ra2, oa); a3 = ld4(ra3, oa); }
    r0 = axpy(r0, a0.x, b); r1 = axpy(r1, a0.y, b); r2 = axpy(r2, a0.z, b); r3 = axpy(r3, a0.w, b);
    if (TM > 4u) { r4 = axpy(r4, a1.x, b); r5 = axpy(r5, a1.y, b); r6 = axpy(r6, a1.z, b); r7 = axpy(r7, a1.w, b); }
    if (TM > 8u) {
      r8 = axpy(r8, a2.x, b); r9 = axpy(r9, a2.y, b); r10 = axpy(r10, a2.z, b); r11 = axpy(r11, a2.w, b);
      r12 = axpy(r12, a3.x, b); r13 = axpy(r13, a3.y, b); r14 = axpy(r14, a3.z, b); r15 = axpy(r15, a3.w, b);
    }
  }
  // One store loop over the rows (the accumulators spill to an array once, after the k loop): TM
  // inlined copies of it made the pipeline several times slower to compile.
  let acc = array<Row, 16>(r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15);
  for (var i = 0u; i < TM; i++) { store(m0 + i, n0, acc[i]); }
}

fn store(m: u32, n0: u32, r: Row) {
  if (m >= d.M) { return; }
  store4(m, n0, r.c0);
  store4(m, n0 + 4u, r.c1);
  store4(m, n0 + 8u, r.c2);
  store4(m, n0 + 12u, r.c3);
}

fn store4(m: u32, n0: u32, v: vec4<f32>) {
  for (var j = 0u; j < 4u; j++) {
    let n = n0 + j;
    if (n >= d.N) { return; }
    var x = v[j];
    if (ADD_BIAS) { x += bias[d.offBias + n]; }
    let c = d.offC + m * d.N + n;
    if (ACCUMULATE) { x += C[c]; }
    C[c] = x;
  }
}
