// Gradient of one Elman step, run for t = T-1 down to 0, one dispatch per step:
// δ_t = (dh_t + W_hhᵀ δ_{t+1}) ⊙ act'(h_t), with δ_T = 0.
// It works in place: dh[t] (the loss gradient reaching h_t from the head) becomes δ_t. Invocation
// (u0, b0) is the only reader of dh[t] at its (row, unit) pairs, and δ_{t+1} was written by the
// previous dispatch.
// W_hhᵀ δ_{t+1} for all rows is a small GEMM, δ_{t+1} [B, H] · W_hh [H, H], register-blocked as in
// gemm.wgsl: invocation (u0, b0) sums units u0..u0+15 of rows b0..b0+TB-1 (per k: 16 weights, a
// contiguous run of a W_hh row, and TB gradients for 16·TB multiply-adds). Rows and units past the
// edge are clamped, not branched on. TB (4 or 8 rows; 16 ran no faster and took 3× as long to
// compile) and WG are override constants chosen by gpu/recurrent/stepKernels.ts.

override H: u32;
override B: u32;
override T: u32;
override RELU: bool = false;
override TB: u32 = 8u;
override WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> hs: array<f32>;          // [(T+1)*B, H]
@group(0) @binding(3) var<storage, read_write> dh: array<f32>;    // [T*B, H] -> δ
@group(1) @binding(0) var<uniform> step: Step;

/** 16 consecutive units of one row. */
struct Row { c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32> }

fn axpy(r: Row, a: f32, w: Row) -> Row { return Row(r.c0 + a * w.c0, r.c1 + a * w.c1, r.c2 + a * w.c2, r.c3 + a * w.c3); }
fn ldw(i: vec4<u32>, k: u32) -> vec4<f32> { return vec4<f32>(params[i.x + k], params[i.y + k], params[i.z + k], params[i.w + k]); }
fn ldd(i: vec4<u32>, k: u32) -> vec4<f32> { return vec4<f32>(dh[i.x + k], dh[i.y + k], dh[i.z + k], dh[i.w + k]); }
fn clamp4(first: u32, last: u32) -> vec4<u32> { return vec4<u32>(min(first, last), min(first + 1u, last), min(first + 2u, last), min(first + 3u, last)); }
fn pick(r: Row, c: u32) -> f32 {
  let v = select(select(r.c0, r.c1, c >= 4u), select(r.c2, r.c3, c >= 12u), c >= 8u);
  return v[c % 4u];
}

/** act'(pre), written through h = act(pre) (h_t sits one block of B rows after row r of dh). */
fn activationGrad(h: f32) -> f32 {
  if (RELU) { return select(0.0, 1.0, h > 0.0); }
  return 1.0 - h * h;
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
    let w0 = off.whh + clamp4(u0, H - 1u);
    let w1 = off.whh + clamp4(u0 + 4u, H - 1u);
    let w2 = off.whh + clamp4(u0 + 8u, H - 1u);
    let w3 = off.whh + clamp4(u0 + 12u, H - 1u);
    let base = (t + 1u) * B * H;
    let n0 = base + clamp4(b0, B - 1u) * H;
    let n1 = base + clamp4(b0 + 4u, B - 1u) * H;
    for (var k = 0u; k < H; k++) {
      let kh = k * H;
      let w = Row(ldw(w0, kh), ldw(w1, kh), ldw(w2, kh), ldw(w3, kh));
      let a0 = ldd(n0, k);
      r0 = axpy(r0, a0.x, w); r1 = axpy(r1, a0.y, w); r2 = axpy(r2, a0.z, w); r3 = axpy(r3, a0.w, w);
      if (TB > 4u) {
        let a1 = ldd(n1, k);
        r4 = axpy(r4, a1.x, w); r5 = axpy(r5, a1.y, w); r6 = axpy(r6, a1.z, w); r7 = axpy(r7, a1.w, w);
      }
    }
  }
  // One epilogue loop over the rows (the accumulators spill to an array once, after the k loop):
  // TB inlined copies of it made the pipeline several times slower to compile.
  let acc = array<Row, 8>(r0, r1, r2, r3, r4, r5, r6, r7);
  for (var i = 0u; i < TB; i++) { finish(t, b0 + i, u0, acc[i]); }
}

/** δ of row b's units u0..u0+15 (those inside the batch and layer). */
fn finish(t: u32, b: u32, u0: u32, r: Row) {
  if (b >= B) { return; }
  for (var c = 0u; c < 16u; c++) {
    let i = u0 + c;
    if (i >= H) { return; }
    let o = (t * B + b) * H + i;
    dh[o] = (dh[o] + pick(r, c)) * activationGrad(hs[o + B * H]);
  }
}
