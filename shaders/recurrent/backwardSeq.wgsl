// The whole backward pass of a recurrent layer's steps in one dispatch (t = T-1 down to 0), the
// mirror of forwardSeq.wgsl for small layers where dispatch overhead dominates the per-step path
// (backwardStep.wgsl, backwardTile.wgsl: one dispatch per step). Same math (the cell's gateGrads,
// <cell>BackwardStep.wgsl), same buffers, same results.
// Workgroup w owns batch rows w·R .. w·R+R-1 for all T steps; invocation u owns unit u of those rows.
// Step t needs dA_{t+1} of every unit of its rows: each invocation copies what it wrote at step t+1
// (its own writes, visible to it) into workgroup memory, so one workgroup barrier per step orders
// the steps and the W_hhᵀ dA_{t+1} loop reads workgroup memory.

override T: u32;
override R: u32 = 4u;   // batch rows per workgroup
override WG: u32 = 32u; // ≥ H

var<workgroup> next: array<f32, R * GATES * H>; // dA_{t+1} of the R rows, [R][G·H]

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let u = lid.x;
  let b0 = wid.x * R;
  let G = GATES * H;
  let wcol = off.whh + min(u, H - 1u); // column u of W_hh: row k at k·H
  for (var i = 0u; i < T; i++) {
    let t = T - 1u - i;
    for (var r = 0u; r < R; r++) {
      let b = b0 + r;
      if (u >= H || b >= B) { continue; }
      var fromNext = 0.0;
      if (t + 1u < T) {
        for (var k = 0u; k < G; k++) { fromNext += next[r * G + k] * params[wcol + k * H]; }
      }
      gateGrads(t, t * B + b, u, fromNext);
    }
    workgroupBarrier(); // every read of `next` for step t is done
    for (var r = 0u; r < R; r++) {
      let b = b0 + r;
      if (u >= H || b >= B) { continue; }
      for (var g = 0u; g < GATES; g++) { next[r * G + g * H + u] = nextAt((t * B + b) * G + g * H + u); }
    }
    workgroupBarrier(); // dA_t of the rows is in `next` for step t-1
  }
}
