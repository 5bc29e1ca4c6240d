// One optimizer step over the flat parameter, gradient and state buffers, one dispatch, with
// torch.optim's semantics. The gradient is scaled by clip_grad_norm_'s factor first; a step whose
// gradient norm was not finite changes nothing (see gradNorm.wgsl).
//   SGD:   d = g + wd·p; buf = (step 1 ? d : μ·buf + (1 − dampening)·d); d = nesterov ? d + μ·buf : buf; p −= lr·d
//   Adam:  g += wd·p; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; p −= lr/bc1 · m / (√v/√bc2 + ε)
//   AdamW: p ·= 1 − lr·wd, then Adam without the weight-decay term.

override KIND: u32 = 1u; // 0 SGD, 1 Adam, 2 AdamW
override NESTEROV: bool = false;

const WG: u32 = 64u;

struct Hyper { n: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, momentum: f32, dampening: f32 }

@group(0) @binding(0) var<uniform> hp: Hyper;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>; // Adam's exp_avg, SGD's momentum_buffer
@group(0) @binding(4) var<storage, read_write> v: array<f32>; // Adam's exp_avg_sq
@group(0) @binding(5) var<storage, read> state: OptState; // optState.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= hp.n || state.skipped != 0u) { return; }
  var p = params[i];
  var g = grads[i] * state.scale;
  if (KIND == 0u) {
    var d = g + hp.weightDecay * p;
    if (hp.momentum != 0.0) {
      var buf: f32;
      if (state.step == 1u) { buf = d; } else { buf = hp.momentum * m[i] + (1.0 - hp.dampening) * d; }
      m[i] = buf;
      if (NESTEROV) { d = d + hp.momentum * buf; } else { d = buf; }
    }
    params[i] = p - hp.lr * d;
    return;
  }
  if (KIND == 2u) { p = p * (1.0 - hp.lr * hp.weightDecay); } else { g = g + hp.weightDecay * p; }
  let mi = hp.beta1 * m[i] + (1.0 - hp.beta1) * g;
  let vi = hp.beta2 * v[i] + (1.0 - hp.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  params[i] = p - (hp.lr / state.bc1) * mi / (sqrt(vi) / state.bc2Sqrt + hp.eps);
}
