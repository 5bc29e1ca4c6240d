// Gradient of one GRU step, run for t = T-1 down to 0, one dispatch per step.
// dh[t] arrives holding the gradient from above (head or next layer) and leaves holding the total
//   dh_t = dh_t(above) + W_hhᵀ dAhh_{t+1} + z_{t+1} ⊙ dh_{t+1}.
// Then, with h = h_{t-1}:  dn = dh_t ⊙ (1 − z), dz = dh_t ⊙ (h − n), dPn = dn ⊙ (1 − n²),
//   dPr = dPn ⊙ (W_hn h + b_hn) ⊙ r(1 − r), dPz = dz ⊙ z(1 − z).
// dA (input side, = d(W_ih x + b_ih)) = [dPr, dPz, dPn]; dAhh (hidden side) = [dPr, dPz, dPn ⊙ r].
// W_hhᵀ dAhh_{t+1} for all rows is a small GEMM, dAhh_{t+1} [B, 3H] · W_hh [3H, H], register-blocked
// as in gemm.wgsl: invocation (u0, b0) sums units u0..u0+15 of rows b0..b0+TB-1 (per k: 16 weights,
// a contiguous run of a W_hh row, and TB gradients for 16·TB multiply-adds), then owns those
// (row, unit) pairs in every buffer it writes. Rows and units past the edge are clamped, not
// branched on. TB (4 or 8 rows; 16 ran no faster and took 3× as long to compile) and WG are
// override constants chosen by gpu/recurrent/stepKernels.ts.

override H: u32;
override B: u32;
override T: u32;
override TB: u32 = 8u;
override WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> hs: array<f32>;         // [(T+1)*B, H]
@group(0) @binding(3) var<storage, read> gates: array<f32>;      // [T*B, 3H]
@group(0) @binding(4) var<storage, read> hn: array<f32>;         // [T*B, H]
@group(0) @binding(5) var<storage, read_write> dh: array<f32>;   // [T*B, H]
@group(0) @binding(6) var<storage, read_write> dA: array<f32>;   // [T*B, 3H]
@group(0) @binding(7) var<storage, read_write> dAhh: array<f32>; // [T*B, 3H]
@group(1) @binding(0) var<uniform> step: Step;

/** 16 consecutive units of one row. */
struct Row { c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32> }

fn axpy(r: Row, a: f32, w: Row) -> Row { return Row(r.c0 + a * w.c0, r.c1 + a * w.c1, r.c2 + a * w.c2, r.c3 + a * w.c3); }
fn ldw(i: vec4<u32>, k: u32) -> vec4<f32> { return vec4<f32>(params[i.x + k], params[i.y + k], params[i.z + k], params[i.w + k]); }
fn lda(i: vec4<u32>, k: u32) -> vec4<f32> { return vec4<f32>(dAhh[i.x + k], dAhh[i.y + k], dAhh[i.z + k], dAhh[i.w + k]); }
fn clamp4(first: u32, last: u32) -> vec4<u32> { return vec4<u32>(min(first, last), min(first + 1u, last), min(first + 2u, last), min(first + 3u, last)); }
fn pick(r: Row, c: u32) -> f32 {
  let v = select(select(r.c0, r.c1, c >= 4u), select(r.c2, r.c3, c >= 12u), c >= 8u);
  return v[c % 4u];
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let unitTiles = (H + 15u) / 16u;
  let u0 = (gid.x % unitTiles) * 16u;
  let b0 = (gid.x / unitTiles) * TB;
  if (b0 >= B) { return; }
  let t = step.t;
  let z = Row(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  var r0 = z; var r1 = z; var r2 = z; var r3 = z; var r4 = z; var r5 = z; var r6 = z; var r7 = z;
  if (t + 1u < T) {
    let G = 3u * H;
    let w0 = off.whh + clamp4(u0, H - 1u);
    let w1 = off.whh + clamp4(u0 + 4u, H - 1u);
    let w2 = off.whh + clamp4(u0 + 8u, H - 1u);
    let w3 = off.whh + clamp4(u0 + 12u, H - 1u);
    let base = (t + 1u) * B * G;
    let n0 = base + clamp4(b0, B - 1u) * G;
    let n1 = base + clamp4(b0 + 4u, B - 1u) * G;
    for (var k = 0u; k < G; k++) {
      let kh = k * H;
      let w = Row(ldw(w0, kh), ldw(w1, kh), ldw(w2, kh), ldw(w3, kh));
      let a0 = lda(n0, k);
      r0 = axpy(r0, a0.x, w); r1 = axpy(r1, a0.y, w); r2 = axpy(r2, a0.z, w); r3 = axpy(r3, a0.w, w);
      if (TB > 4u) {
        let a1 = lda(n1, k);
        r4 = axpy(r4, a1.x, w); r5 = axpy(r5, a1.y, w); r6 = axpy(r6, a1.z, w); r7 = axpy(r7, a1.w, w);
      }
    }
  }
  // One epilogue loop over the rows (the accumulators spill to an array once, after the k loop):
  // TB inlined copies of it made the pipeline several times slower to compile.
  let acc = array<Row, 8>(r0, r1, r2, r3, r4, r5, r6, r7);
  for (var i = 0u; i < TB; i++) { finish(t, b0 + i, u0, acc[i]); }
}

/** Row b's units u0..u0+15 (those inside the batch and layer). */
fn finish(t: u32, b: u32, u0: u32, r: Row) {
  if (b >= B) { return; }
  for (var c = 0u; c < 16u; c++) {
    let u = u0 + c;
    if (u >= H) { return; }
    gateGrads(t, t * B + b, u, pick(r, c));
  }
}

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
