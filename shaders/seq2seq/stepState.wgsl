// One decoder step's top states, copied out for the step's readout (gpu/seq2seq/freeRunning.ts):
// out[b, i] = hs[(t + 1)·B + b, i], the top layer's state after step t (block 0 of hs holds the
// initial state). The step index t arrives as the recurrent step kernels' does (group 1).

override B: u32;
override W: u32;

struct Step { t: u32 }

@group(0) @binding(0) var<storage, read> hs: array<f32>;          // [(U + 1)·B, W]
@group(0) @binding(1) var<storage, read_write> out: array<f32>;   // [B, W]
@group(1) @binding(0) var<uniform> step: Step;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b = gid.y;
  if (i >= W) { return; }
  out[b * W + i] = hs[((step.t + 1u) * B + b) * W + i];
}
