// One time step of an LSTM layer, fused (PyTorch gate order [i, f, g, o]):
//   [i, f, g, o] = [σ, σ, tanh, σ](P + W_hh h + b_hh), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'),
// where P = W_ih x + b_ih (inputPre: a projection made before the loop, or a gather for tokens).
// W_hh h for all rows is a small GEMM, [B, H] · W_hhᵀ, register-blocked as in gemm.wgsl: invocation
// (u0, b0) computes the four gates of units u0..u0+3 for batch rows b0..b0+TB-1, so per j it loads
// 16 weights and TB states and does 16·TB multiply-adds (the former 4 rows × 4 gates did 16 per 8
// loads). A unit's four gates stay in one invocation, so the cell update is fused after the loop.
// Rows and units past the edge are clamped (no branches in the loop) and not stored. TB (4 or 8
// rows; 16 ran no faster and took 3× as long to compile) and WG are override constants chosen by
// gpu/recurrent/stepKernels.ts.
// Past a row's length h and c are carried unchanged and the step's input is never read.

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
@group(0) @binding(4) var<storage, read_write> gates: array<f32>; // [T*B, 4H]: i, f, g, o
@group(0) @binding(5) var<storage, read_write> cs: array<f32>;    // [(T+1)*B, H], block 0 = c0
@group(0) @binding(6) var<storage, read> lengths: array<u32>;     // [B]
@group(1) @binding(0) var<uniform> step: Step;

/** Pre-activations of the four gates of four consecutive units. */
struct Row { i: vec4<f32>, f: vec4<f32>, g: vec4<f32>, o: vec4<f32> }

/**
 * (W_ih x + b_ih)[row, k]. Token inputs: gathered here from the token's column of W_ih, which saves
 * the projection pass (a dispatch over [T·B, G·H] and that buffer). Otherwise the projection made
 * before the loop, bound as u32 so one binding serves both (bitcast is free).
 */
fn inputPre(row: u32, k: u32) -> f32 {
  if (TOKENS) { return params[off.wih + k * V + input[row]] + params[off.bih + k]; }
  return bitcast<f32>(input[row * 4u * H + k]);
}

fn axpy(r: Row, a: f32, w: Row) -> Row { return Row(r.i + a * w.i, r.f + a * w.f, r.g + a * w.g, r.o + a * w.o); }
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
  let wi = off.whh + u * H;
  let wf = wi + H * H;
  let wg = wf + H * H;
  let wo = wg + H * H;
  let base = t * B * H; // h_{t-1}: block t of hs
  let p0 = base + clamp4(b0, B - 1u) * H;
  let p1 = base + clamp4(b0 + 4u, B - 1u) * H;
  let z = Row(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  var r0 = z; var r1 = z; var r2 = z; var r3 = z; var r4 = z; var r5 = z; var r6 = z; var r7 = z;
  for (var j = 0u; j < H; j++) {
    let w = Row(ldw(wi, j), ldw(wf, j), ldw(wg, j), ldw(wo, j));
    let h0 = ldh(p0, j);
    r0 = axpy(r0, h0.x, w); r1 = axpy(r1, h0.y, w); r2 = axpy(r2, h0.z, w); r3 = axpy(r3, h0.w, w);
    if (TB > 4u) {
      let h1 = ldh(p1, j);
      r4 = axpy(r4, h1.x, w); r5 = axpy(r5, h1.y, w); r6 = axpy(r6, h1.z, w); r7 = axpy(r7, h1.w, w);
    }
  }
  let bias = Row(ldw(u + off.bhh, 0u), ldw(u + off.bhh + H, 0u), ldw(u + off.bhh + 2u * H, 0u), ldw(u + off.bhh + 3u * H, 0u));
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
    update(t, b, u, vec4<f32>(r.i[c] + bias.i[c], r.f[c] + bias.f[c], r.g[c] + bias.g[c], r.o[c] + bias.o[c]));
  }
}

/** Gates, cell state and hidden state of (row, u) from the gate pre-activations less the projection. */
fn update(t: u32, b: u32, u: u32, pre: vec4<f32>) {
  let G = 4u * H;
  let row = t * B + b;
  let next = (row + B) * H + u;
  if (t >= lengths[b]) {
    // Past the sequence's end: carry h and c; zero gates make the backward step pass nothing.
    for (var g = 0u; g < 4u; g++) { gates[row * G + g * H + u] = 0.0; }
    cs[next] = cs[row * H + u];
    hs[next] = hs[row * H + u];
    return;
  }
  let ig = sigmoid(inputPre(row, u) + pre.x);
  let fg = sigmoid(inputPre(row, H + u) + pre.y);
  let gg = tanh(inputPre(row, 2u * H + u) + pre.z);
  let og = sigmoid(inputPre(row, 3u * H + u) + pre.w);
  let cNew = fg * cs[row * H + u] + ig * gg;
  gates[row * G + u] = ig;
  gates[row * G + H + u] = fg;
  gates[row * G + 2u * H + u] = gg;
  gates[row * G + 3u * H + u] = og;
  cs[next] = cNew;
  hs[next] = og * tanh(cNew);
}
