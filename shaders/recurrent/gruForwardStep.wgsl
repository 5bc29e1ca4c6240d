// One time step of a GRU layer, fused (PyTorch gate order [r, z, n]):
//   r = σ(P_r + W_hr h + b_hr), z = σ(P_z + W_hz h + b_hz),
//   n = tanh(P_n + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h,
// where P = W_ih x + b_ih (inputPre: a projection made before the loop, or a gather for tokens).
// W_hh h for all rows is a small GEMM, [B, H] · W_hhᵀ, register-blocked as in gemm.wgsl: invocation
// (u0, b0) computes the three gates of units u0..u0+3 for batch rows b0..b0+TB-1, so per j it loads
// 12 weights and TB states for 12·TB multiply-adds. A unit's gates stay in one invocation, so the
// update is fused after the loop. Rows and units past the edge are clamped (no branches in the loop)
// and not stored. TB (4 or 8 rows; 16 ran no faster and took 3× as long to compile) and WG are
// override constants chosen by gpu/recurrent/stepKernels.ts.
// Stores the gates (r, z, n) and W_hn h + b_hn for the backward step. Past a row's length the state
// is carried unchanged and the step's input is never read.

override H: u32;
override B: u32;
override TOKENS: bool = false; // layer 0 of a token model
override V: u32 = 1u;          // its vocabulary
override TB: u32 = 8u;
override WG: u32 = 64u;

struct Offsets { whh: u32, bhh: u32, wih: u32, bih: u32 }
struct Step { t: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
// W_ih x + b_ih of every step, [T*B, G*H] as f32 bits, or with TOKENS the token ids [T*B] (inputPre).
@group(0) @binding(2) var<storage, read> input: array<u32>;
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;    // [(T+1)*B, H], block 0 = h0
@group(0) @binding(4) var<storage, read_write> gates: array<f32>; // [T*B, 3H]: r, z, n
@group(0) @binding(5) var<storage, read_write> hn: array<f32>;    // [T*B, H]: W_hn h + b_hn
@group(0) @binding(6) var<storage, read> lengths: array<u32>;     // [B]
@group(1) @binding(0) var<uniform> step: Step;

/** Hidden-side pre-activations of the three gates of four consecutive units. */
struct Row { r: vec4<f32>, z: vec4<f32>, n: vec4<f32> }

/**
 * (W_ih x + b_ih)[row, k]. Token inputs: gathered here from the token's column of W_ih, which saves
 * the projection pass (a dispatch over [T·B, G·H] and that buffer). Otherwise the projection made
 * before the loop, bound as u32 so one binding serves both (bitcast is free).
 */
fn inputPre(row: u32, k: u32) -> f32 {
  if (TOKENS) { return params[off.wih + k * V + input[row]] + params[off.bih + k]; }
  return bitcast<f32>(input[row * 3u * H + k]);
}

fn axpy(r: Row, a: f32, w: Row) -> Row { return Row(r.r + a * w.r, r.z + a * w.z, r.n + a * w.n); }
fn ldw(i: vec4<u32>, j: u32) -> vec4<f32> { return vec4<f32>(params[i.x + j], params[i.y + j], params[i.z + j], params[i.w + j]); }
fn ldh(i: vec4<u32>, j: u32) -> vec4<f32> { return vec4<f32>(hs[i.x + j], hs[i.y + j], hs[i.z + j], hs[i.w + j]); }
fn clamp4(first: u32, last: u32) -> vec4<u32> { return vec4<u32>(min(first, last), min(first + 1u, last), min(first + 2u, last), min(first + 3u, last)); }
fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let unitTiles = (H + 3u) / 4u;
  let u0 = (gid.x % unitTiles) * 4u;
  let b0 = (gid.x / unitTiles) * TB;
  if (b0 >= B) { return; }
  let t = step.t;
  let u = clamp4(u0, H - 1u);
  let wr = off.whh + u * H;
  let wz = wr + H * H;
  let wn = wz + H * H;
  let base = t * B * H; // h_{t-1}: block t of hs
  let p0 = base + clamp4(b0, B - 1u) * H;
  let p1 = base + clamp4(b0 + 4u, B - 1u) * H;
  let z = Row(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  var r0 = z; var r1 = z; var r2 = z; var r3 = z; var r4 = z; var r5 = z; var r6 = z; var r7 = z;
  for (var j = 0u; j < H; j++) {
    let w = Row(ldw(wr, j), ldw(wz, j), ldw(wn, j));
    let h0 = ldh(p0, j);
    r0 = axpy(r0, h0.x, w); r1 = axpy(r1, h0.y, w); r2 = axpy(r2, h0.z, w); r3 = axpy(r3, h0.w, w);
    if (TB > 4u) {
      let h1 = ldh(p1, j);
      r4 = axpy(r4, h1.x, w); r5 = axpy(r5, h1.y, w); r6 = axpy(r6, h1.z, w); r7 = axpy(r7, h1.w, w);
    }
  }
  let bias = Row(ldw(u + off.bhh, 0u), ldw(u + off.bhh + H, 0u), ldw(u + off.bhh + 2u * H, 0u));
  // One epilogue loop over the rows (the accumulators spill to an array once, after the k loop):
  // TB inlined copies of it made the pipeline several times slower to compile.
  let acc = array<Row, 8>(r0, r1, r2, r3, r4, r5, r6, r7);
  for (var i = 0u; i < TB; i++) { finish(t, b0 + i, u0, acc[i], bias); }
}

/** Row b's units u0..u0+3 (those inside the batch and layer) from their W_hh h sums. */
fn finish(t: u32, b: u32, u0: u32, r: Row, bias: Row) {
  if (b >= B) { return; }
  for (var c = 0u; c < 4u; c++) {
    let u = u0 + c;
    if (u >= H) { return; }
    update(t, b, u, vec3<f32>(r.r[c] + bias.r[c], r.z[c] + bias.z[c], r.n[c] + bias.n[c]));
  }
}

/** Gates and new state of (row, u) from the hidden-side pre-activations W_h· h + b_h·. */
fn update(t: u32, b: u32, u: u32, hid: vec3<f32>) {
  let G = 3u * H;
  let row = t * B + b;
  let hPrev = hs[row * H + u];
  if (t >= lengths[b]) {
    // Past the sequence's end: carry the state; zero gates make the backward step pass nothing.
    gates[row * G + u] = 0.0;
    gates[row * G + H + u] = 0.0;
    gates[row * G + 2u * H + u] = 0.0;
    hn[row * H + u] = 0.0;
    hs[(row + B) * H + u] = hPrev;
    return;
  }
  let r = sigmoid(inputPre(row, u) + hid.x);
  let z = sigmoid(inputPre(row, H + u) + hid.y);
  let n = tanh(inputPre(row, 2u * H + u) + r * hid.z);
  gates[row * G + u] = r;
  gates[row * G + H + u] = z;
  gates[row * G + 2u * H + u] = n;
  hn[row * H + u] = hid.z;
  hs[(row + B) * H + u] = (1.0 - z) * n + z * hPrev;
}
