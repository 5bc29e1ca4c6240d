// The optimizer's state between dispatches, written by gradNorm.wgsl's `finish` and read by
// optimizer.wgsl (gpu/optimizer/kernels.ts, OPT_STATE_BYTES): `step` counts the steps taken (torch's
// state['step']); `skipped` says the last step's gradient norm was not finite; `scale` is
// clip_grad_norm_'s factor and bc1, bc2Sqrt Adam's bias corrections for the step.

struct OptState { step: u32, skipped: u32, skippedTotal: u32, scale: f32, bc1: f32, bc2Sqrt: f32, norm: f32, _pad: f32 }
