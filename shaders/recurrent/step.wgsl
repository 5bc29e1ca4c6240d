// What the per-time-step kernels share (forwardStep.wgsl, backwardStep.wgsl): one dispatch per time
// step, the step index arriving through a dynamic uniform offset (group 1), so a whole sequence is
// encoded without writing buffers between dispatches; the tile's batch rows per invocation, TB (4 or
// 8: 16 ran no faster and took 3× as long to compile), and the workgroup size WG, both chosen by
// gpu/recurrent/stepKernels.ts (stepTiling); and the clamped loads of the blocked loops.

override TB: u32 = 8u;
override WG: u32 = 64u;

struct Step { t: u32 }

@group(1) @binding(0) var<uniform> step: Step;

/**
 * first..first+3, those past `last` clamped onto it: every load of a tile is in bounds without a
 * branch (branches are what CPU-emulated GPUs pay most for), and what the clamped lanes compute is
 * never stored.
 */
fn clamp4(first: u32, last: u32) -> vec4<u32> { return vec4<u32>(min(first, last), min(first + 1u, last), min(first + 2u, last), min(first + 3u, last)); }
fn ldw(i: vec4<u32>, j: u32) -> vec4<f32> { return vec4<f32>(params[i.x + j], params[i.y + j], params[i.z + j], params[i.w + j]); }
