// The whole forward pass of an LSTM layer in one dispatch, for small layers where dispatch overhead
// dominates the per-step path (lstmForwardStep.wgsl, one dispatch per time step). Same math, same
// buffers, same results; gpu/recurrent/stepKernels.ts picks it only where it measured faster.
// Workgroup w owns batch rows w·R .. w·R+R-1 for all T steps; invocation u owns unit u of those rows
// (its four gates, its cell state kept in registers). h_{t-1} of the R rows sits in workgroup memory
// (double-buffered: written at step t, read at t+1), so one barrier per step orders the steps; each
// W_hh element loaded feeds R rows.

override H: u32;
override B: u32;
override TOKENS: bool = false; // layer 0 of a token model
override V: u32 = 1u;          // its vocabulary
override T: u32;
override R: u32 = 8u;  // batch rows per workgroup, 1..8
override WG: u32 = 32u; // ≥ H, a multiple of 4

struct Offsets { whh: u32, bhh: u32, wih: u32, bih: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
// W_ih x + b_ih of every step, [T*B, G*H] as f32 bits, or with TOKENS the token ids [T*B] (inputPre).
@group(0) @binding(2) var<storage, read> input: array<u32>;
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;    // [(T+1)*B, H], block 0 = h0
@group(0) @binding(4) var<storage, read_write> gates: array<f32>; // [T*B, 4H]: i, f, g, o
@group(0) @binding(5) var<storage, read_write> cs: array<f32>;    // [(T+1)*B, H], block 0 = c0
@group(0) @binding(6) var<storage, read> lengths: array<u32>;     // [B]

var<workgroup> hw: array<f32, 2u * R * H>; // two buffers of [R, H]

/**
 * (W_ih x + b_ih)[row, k]. Token inputs: gathered here from the token's column of W_ih, which saves
 * the projection pass (a dispatch over [T·B, G·H] and that buffer). Otherwise the projection made
 * before the loop, bound as u32 so one binding serves both (bitcast is free).
 */
fn inputPre(row: u32, k: u32) -> f32 {
  if (TOKENS) { return params[off.wih + k * V + input[row]] + params[off.bih + k]; }
  return bitcast<f32>(input[row * 4u * H + k]);
}

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let u = lid.x;
  let b0 = wid.x * R;
  let uc = min(u, H - 1u);
  // h0 into workgroup memory and c0 into registers (rows past the batch clamped; never stored).
  for (var r = 0u; r < R; r++) {
    if (u < H) { hw[r * H + u] = hs[min(b0 + r, B - 1u) * H + u]; }
  }
  let cRow = vec4<u32>(min(b0, B - 1u), min(b0 + 1u, B - 1u), min(b0 + 2u, B - 1u), min(b0 + 3u, B - 1u));
  let cRow1 = vec4<u32>(min(b0 + 4u, B - 1u), min(b0 + 5u, B - 1u), min(b0 + 6u, B - 1u), min(b0 + 7u, B - 1u));
  var c0 = vec4<f32>(cs[cRow.x * H + uc], cs[cRow.y * H + uc], cs[cRow.z * H + uc], cs[cRow.w * H + uc]);
  var c1 = vec4<f32>(cs[cRow1.x * H + uc], cs[cRow1.y * H + uc], cs[cRow1.z * H + uc], cs[cRow1.w * H + uc]);
  let bias = vec4<f32>(params[off.bhh + uc], params[off.bhh + H + uc], params[off.bhh + 2u * H + uc], params[off.bhh + 3u * H + uc]);
  let wrow = off.whh + uc * H;
  for (var t = 0u; t < T; t++) {
    workgroupBarrier();
    let cur = (t % 2u) * R * H;
    let nxt = R * H - cur;
    var a0 = vec4<f32>(0.0); var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0; var a7 = a0;
    for (var j = 0u; j < H; j++) {
      let w = vec4<f32>(params[wrow + j], params[wrow + H * H + j], params[wrow + 2u * H * H + j], params[wrow + 3u * H * H + j]);
      let h = cur + j;
      a0 += hw[h] * w;
      if (R > 1u) { a1 += hw[h + H] * w; }
      if (R > 2u) { a2 += hw[h + 2u * H] * w; }
      if (R > 3u) { a3 += hw[h + 3u * H] * w; }
      if (R > 4u) { a4 += hw[h + 4u * H] * w; }
      if (R > 5u) { a5 += hw[h + 5u * H] * w; }
      if (R > 6u) { a6 += hw[h + 6u * H] * w; }
      if (R > 7u) { a7 += hw[h + 7u * H] * w; }
    }
    let pre = array<vec4<f32>, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
    var c = array<f32, 8>(c0.x, c0.y, c0.z, c0.w, c1.x, c1.y, c1.z, c1.w);
    for (var r = 0u; r < R; r++) {
      let b = b0 + r;
      if (u >= H || b >= B) { continue; }
      let hc = cell(t, b, u, pre[r] + bias, c[r], hw[cur + r * H + u]);
      c[r] = hc.y;
      hw[nxt + r * H + u] = hc.x;
    }
    c0 = vec4<f32>(c[0], c[1], c[2], c[3]);
    c1 = vec4<f32>(c[4], c[5], c[6], c[7]);
  }
}

/** Step t of (b, u): stores gates, c and h; returns (h, c). Past the row's length h and c carry. */
fn cell(t: u32, b: u32, u: u32, pre: vec4<f32>, cPrev: f32, hPrev: f32) -> vec2<f32> {
  let G = 4u * H;
  let row = t * B + b;
  let next = (row + B) * H + u;
  var h = hPrev;
  var c = cPrev;
  if (t >= lengths[b]) {
    for (var g = 0u; g < 4u; g++) { gates[row * G + g * H + u] = 0.0; }
  } else {
    let ig = sigmoid(inputPre(row, u) + pre.x);
    let fg = sigmoid(inputPre(row, H + u) + pre.y);
    let gg = tanh(inputPre(row, 2u * H + u) + pre.z);
    let og = sigmoid(inputPre(row, 3u * H + u) + pre.w);
    c = fg * cPrev + ig * gg;
    gates[row * G + u] = ig;
    gates[row * G + H + u] = fg;
    gates[row * G + 2u * H + u] = gg;
    gates[row * G + 3u * H + u] = og;
    h = og * tanh(c);
  }
  cs[next] = c;
  hs[next] = h;
  return vec2<f32>(h, c);
}
