// The whole forward pass of a recurrent layer in one dispatch, for small layers where dispatch
// overhead dominates the per-step path (forwardStep.wgsl, one dispatch per time step). Same math
// (the cell's update, <cell>Cell.wgsl), same buffers, same results; gpu/recurrent/stepKernels.ts
// picks it only where it measured faster.
// Workgroup w owns batch rows w·R .. w·R+R-1 for all T steps; invocation u owns unit u of those rows
// (all its gates). h_{t-1} of the R rows sits in workgroup memory (double-buffered: written at step
// t, read at t+1), so one barrier per step orders the steps; each W_hh element loaded feeds R rows.

override T: u32;
override R: u32 = 8u;   // batch rows per workgroup, 1..8
override WG: u32 = 32u; // ≥ H, a multiple of 4

var<workgroup> hw: array<f32, 2u * R * H>; // two buffers of [R, H]

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let u = lid.x;
  let b0 = wid.x * R;
  let uc = min(u, H - 1u);
  // h0 into workgroup memory (rows past the batch clamped; never stored).
  for (var r = 0u; r < R; r++) {
    if (u < H) { hw[r * H + u] = hs[min(b0 + r, B - 1u) * H + u]; }
  }
  let bias = gatesAt(off.bhh + uc, H);
  let wrow = off.whh + uc * H;
  for (var t = 0u; t < T; t++) {
    workgroupBarrier();
    let cur = (t % 2u) * R * H;
    let nxt = R * H - cur;
    var a0 = Gates(); var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0; var a7 = a0;
    for (var j = 0u; j < H; j++) {
      let w = gatesAt(wrow + j, H * H);
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
    let hid = array<Gates, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
    for (var r = 0u; r < R; r++) {
      let b = b0 + r;
      if (u >= H || b >= B) { continue; }
      hw[nxt + r * H + u] = cell(t, b, u, hid[r], bias, hw[cur + r * H + u]);
    }
  }
}
