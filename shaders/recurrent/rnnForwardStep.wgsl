// One time step of the Elman RNN, fused: h_t = act(proj_t + W_hh h_{t-1} + b_hh).
// Dispatched once per step; the step index arrives through a dynamic uniform offset, so a whole
// sequence is encoded without writing buffers between dispatches.
// W_hh h for all rows is a small GEMM, [B, H] · W_hhᵀ, register-blocked as in gemm.wgsl: invocation
// (u0, b0) computes units u0..u0+15 of batch rows b0..b0+TB-1, so per j it loads 16 weights and TB
// states for 16·TB multiply-adds (the former 4 rows × 1 unit did 4 per 5 loads). Rows and units past
// the edge are clamped onto the last one, so every load is in bounds without a branch (branches are
// what CPU-emulated GPUs pay most for), and their results are dropped. TB (4 or 8 rows; 16 ran no
// faster and took 3× as long to compile) and WG are override constants chosen by
// gpu/recurrent/stepKernels.ts.
// Ragged batches: at steps past a row's length the state is carried unchanged (packed-sequence
// semantics), and that step's input is never read.

override H: u32;
override B: u32;
override TOKENS: bool = false; // layer 0 of a token model
override V: u32 = 1u;          // its vocabulary
override RELU: bool = false;
override TB: u32 = 8u;
override WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32, wih: u32, bih: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
// W_ih x + b_ih of every step, [T*B, G*H] as f32 bits, or with TOKENS the token ids [T*B] (inputPre).
@group(0) @binding(2) var<storage, read> input: array<u32>;
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;   // [(T+1)*B, H], block 0 = h0
@group(0) @binding(4) var<storage, read> lengths: array<u32>;   // [B]; past its length a row keeps its state
@group(1) @binding(0) var<uniform> step: Step;

/** 16 consecutive units of one row. */
struct Row { c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32> }

/**
 * (W_ih x + b_ih)[row, k]. Token inputs: gathered here from the token's column of W_ih, which saves
 * the projection pass (a dispatch over [T·B, G·H] and that buffer). Otherwise the projection made
 * before the loop, bound as u32 so one binding serves both (bitcast is free).
 */
fn inputPre(row: u32, k: u32) -> f32 {
  if (TOKENS) { return params[off.wih + k * V + input[row]] + params[off.bih + k]; }
  return bitcast<f32>(input[row * H + k]);
}

fn axpy(r: Row, a: f32, w: Row) -> Row { return Row(r.c0 + a * w.c0, r.c1 + a * w.c1, r.c2 + a * w.c2, r.c3 + a * w.c3); }
fn ldw(i: vec4<u32>, j: u32) -> vec4<f32> { return vec4<f32>(params[i.x + j], params[i.y + j], params[i.z + j], params[i.w + j]); }
fn ldh(i: vec4<u32>, j: u32) -> vec4<f32> { return vec4<f32>(hs[i.x + j], hs[i.y + j], hs[i.z + j], hs[i.w + j]); }
fn clamp4(first: u32, last: u32) -> vec4<u32> { return vec4<u32>(min(first, last), min(first + 1u, last), min(first + 2u, last), min(first + 3u, last)); }
fn pick(r: Row, c: u32) -> f32 {
  let v = select(select(r.c0, r.c1, c >= 4u), select(r.c2, r.c3, c >= 12u), c >= 8u);
  return v[c % 4u];
}

fn activate(pre: f32) -> f32 {
  if (RELU) { return max(pre, 0.0); }
  return tanh(pre);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let unitTiles = (H + 15u) / 16u;
  let u0 = (gid.x % unitTiles) * 16u;
  let b0 = (gid.x / unitTiles) * TB;
  if (b0 >= B) { return; }
  let t = step.t;
  let w0 = off.whh + clamp4(u0, H - 1u) * H;
  let w1 = off.whh + clamp4(u0 + 4u, H - 1u) * H;
  let w2 = off.whh + clamp4(u0 + 8u, H - 1u) * H;
  let w3 = off.whh + clamp4(u0 + 12u, H - 1u) * H;
  let base = t * B * H; // h_{t-1}: block t of hs
  let p0 = base + clamp4(b0, B - 1u) * H;
  let p1 = base + clamp4(b0 + 4u, B - 1u) * H;
  let z = Row(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  var r0 = z; var r1 = z; var r2 = z; var r3 = z; var r4 = z; var r5 = z; var r6 = z; var r7 = z;
  for (var j = 0u; j < H; j++) {
    let w = Row(ldw(w0, j), ldw(w1, j), ldw(w2, j), ldw(w3, j));
    let h0 = ldh(p0, j);
    r0 = axpy(r0, h0.x, w); r1 = axpy(r1, h0.y, w); r2 = axpy(r2, h0.z, w); r3 = axpy(r3, h0.w, w);
    if (TB > 4u) {
      let h1 = ldh(p1, j);
      r4 = axpy(r4, h1.x, w); r5 = axpy(r5, h1.y, w); r6 = axpy(r6, h1.z, w); r7 = axpy(r7, h1.w, w);
    }
  }
  // One epilogue loop over the rows (the accumulators spill to an array once, after the k loop):
  // TB inlined copies of it made the pipeline several times slower to compile.
  let acc = array<Row, 8>(r0, r1, r2, r3, r4, r5, r6, r7);
  for (var i = 0u; i < TB; i++) { finish(t, b0 + i, u0, acc[i]); }
}

/** Row b's units u0..u0+15 (those inside the batch and layer) from their W_hh h sums. */
fn finish(t: u32, b: u32, u0: u32, r: Row) {
  if (b >= B) { return; }
  let real = t < lengths[b];
  for (var c = 0u; c < 16u; c++) {
    let i = u0 + c;
    if (i >= H) { return; }
    let o = ((t + 1u) * B + b) * H + i;
    if (real) { hs[o] = activate(inputPre(t * B + b, i) + params[off.bhh + i] + pick(r, c)); } else { hs[o] = hs[o - B * H]; }
  }
}
