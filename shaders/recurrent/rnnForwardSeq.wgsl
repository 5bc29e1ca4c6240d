// The whole forward pass of an Elman RNN layer in one dispatch, for small layers where dispatch
// overhead dominates the per-step path (rnnForwardStep.wgsl, one dispatch per time step). Same
// math, same buffers, same results; gpu/recurrent/stepKernels.ts picks it only where it measured faster.
// Workgroup w owns batch rows w·R .. w·R+R-1 for all T steps; invocation u owns unit u of those rows.
// h_{t-1} of the R rows sits in workgroup memory (double-buffered: written at step t, read at t+1),
// so one barrier per step orders the steps; each W_hh element loaded feeds R rows.

override H: u32;
override B: u32;
override TOKENS: bool = false; // layer 0 of a token model
override V: u32 = 1u;          // its vocabulary
override T: u32;
override RELU: bool = false;
override R: u32 = 8u;  // batch rows per workgroup, 1..8
override WG: u32 = 32u; // ≥ H, a multiple of 4

struct Offsets { whh: u32, bhh: u32, wih: u32, bih: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
// W_ih x + b_ih of every step, [T*B, G*H] as f32 bits, or with TOKENS the token ids [T*B] (inputPre).
@group(0) @binding(2) var<storage, read> input: array<u32>;
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;   // [(T+1)*B, H], block 0 = h0
@group(0) @binding(4) var<storage, read> lengths: array<u32>;   // [B]

var<workgroup> hw: array<f32, 2u * R * H>; // two buffers of [R, H]

/**
 * (W_ih x + b_ih)[row, k]. Token inputs: gathered here from the token's column of W_ih, which saves
 * the projection pass (a dispatch over [T·B, G·H] and that buffer). Otherwise the projection made
 * before the loop, bound as u32 so one binding serves both (bitcast is free).
 */
fn inputPre(row: u32, k: u32) -> f32 {
  if (TOKENS) { return params[off.wih + k * V + input[row]] + params[off.bih + k]; }
  return bitcast<f32>(input[row * H + k]);
}

fn activate(pre: f32) -> f32 {
  if (RELU) { return max(pre, 0.0); }
  return tanh(pre);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let u = lid.x;
  let b0 = wid.x * R;
  let uc = min(u, H - 1u);
  for (var r = 0u; r < R; r++) {
    if (u < H) { hw[r * H + u] = hs[min(b0 + r, B - 1u) * H + u]; }
  }
  let bias = params[off.bhh + uc];
  let wrow = off.whh + uc * H;
  for (var t = 0u; t < T; t++) {
    workgroupBarrier();
    let cur = (t % 2u) * R * H;
    let nxt = R * H - cur;
    var a0 = vec4<f32>(0.0); var a1 = a0; // rows 0..3, 4..7
    for (var j = 0u; j < H; j++) {
      let w = params[wrow + j];
      let h = cur + j;
      a0 += w * vec4<f32>(hw[h], hw[h + select(0u, H, R > 1u)], hw[h + select(0u, 2u * H, R > 2u)], hw[h + select(0u, 3u * H, R > 3u)]);
      if (R > 4u) {
        a1 += w * vec4<f32>(hw[h + 4u * H], hw[h + select(0u, 5u * H, R > 5u)], hw[h + select(0u, 6u * H, R > 6u)], hw[h + select(0u, 7u * H, R > 7u)]);
      }
    }
    let pre = array<f32, 8>(a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w);
    for (var r = 0u; r < R; r++) {
      let b = b0 + r;
      if (u >= H || b >= B) { continue; }
      let row = t * B + b;
      var h = hw[cur + r * H + u];
      if (t < lengths[b]) { h = activate(inputPre(row, u) + bias + pre[r]); }
      hs[(row + B) * H + u] = h;
      hw[nxt + r * H + u] = h;
    }
  }
}
