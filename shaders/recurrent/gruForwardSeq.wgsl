// The whole forward pass of a GRU layer in one dispatch, for small layers where dispatch overhead
// dominates the per-step path (gruForwardStep.wgsl, one dispatch per time step). Same math, same
// buffers, same results; gpu/recurrent/stepKernels.ts picks it only where it measured faster.
// Workgroup w owns batch rows w·R .. w·R+R-1 for all T steps; invocation u owns unit u of those rows
// (its three gates). h_{t-1} of the R rows sits in workgroup memory (double-buffered: written at
// step t, read at t+1), so one barrier per step orders the steps; each W_hh element loaded feeds R rows.

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
@group(0) @binding(4) var<storage, read_write> gates: array<f32>; // [T*B, 3H]: r, z, n
@group(0) @binding(5) var<storage, read_write> hn: array<f32>;    // [T*B, H]: W_hn h + b_hn
@group(0) @binding(6) var<storage, read> lengths: array<u32>;     // [B]

var<workgroup> hw: array<f32, 2u * R * H>; // two buffers of [R, H]

/**
 * (W_ih x + b_ih)[row, k]. Token inputs: gathered here from the token's column of W_ih, which saves
 * the projection pass (a dispatch over [T·B, G·H] and that buffer). Otherwise the projection made
 * before the loop, bound as u32 so one binding serves both (bitcast is free).
 */
fn inputPre(row: u32, k: u32) -> f32 {
  if (TOKENS) { return params[off.wih + k * V + input[row]] + params[off.bih + k]; }
  return bitcast<f32>(input[row * 3u * H + k]);
}

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let u = lid.x;
  let b0 = wid.x * R;
  let uc = min(u, H - 1u);
  for (var r = 0u; r < R; r++) {
    if (u < H) { hw[r * H + u] = hs[min(b0 + r, B - 1u) * H + u]; }
  }
  let bias = vec3<f32>(params[off.bhh + uc], params[off.bhh + H + uc], params[off.bhh + 2u * H + uc]);
  let wrow = off.whh + uc * H;
  for (var t = 0u; t < T; t++) {
    workgroupBarrier();
    let cur = (t % 2u) * R * H;
    let nxt = R * H - cur;
    var a0 = vec3<f32>(0.0); var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0; var a7 = a0;
    for (var j = 0u; j < H; j++) {
      let w = vec3<f32>(params[wrow + j], params[wrow + H * H + j], params[wrow + 2u * H * H + j]);
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
    let pre = array<vec3<f32>, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
    for (var r = 0u; r < R; r++) {
      let b = b0 + r;
      if (u >= H || b >= B) { continue; }
      hw[nxt + r * H + u] = cell(t, b, u, pre[r] + bias, hw[cur + r * H + u]);
    }
  }
}

/** Step t of (b, u): stores gates, W_hn h + b_hn and h; returns h. Past the row's length h carries. */
fn cell(t: u32, b: u32, u: u32, hid: vec3<f32>, hPrev: f32) -> f32 {
  let G = 3u * H;
  let row = t * B + b;
  var h = hPrev;
  if (t >= lengths[b]) {
    gates[row * G + u] = 0.0;
    gates[row * G + H + u] = 0.0;
    gates[row * G + 2u * H + u] = 0.0;
    hn[row * H + u] = 0.0;
  } else {
    let r = sigmoid(inputPre(row, u) + hid.x);
    let z = sigmoid(inputPre(row, H + u) + hid.y);
    let n = tanh(inputPre(row, 2u * H + u) + r * hid.z);
    gates[row * G + u] = r;
    gates[row * G + H + u] = z;
    gates[row * G + 2u * H + u] = n;
    hn[row * H + u] = hid.z;
    h = (1.0 - z) * n + z * hPrev;
  }
  hs[(row + B) * H + u] = h;
  return h;
}
