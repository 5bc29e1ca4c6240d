// torch.optim.Adam (amsgrad=False, L2 weight decay) as one dispatch over the flat parameter,
// gradient and moment buffers. The step-dependent bias corrections come from the host per step.

const WG: u32 = 64u;

struct Hyper {
  n: u32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  stepSize: f32,        // lr / (1 - beta1^t)
  bc2Sqrt: f32,         // sqrt(1 - beta2^t)
  _pad: f32,
}

@group(0) @binding(0) var<uniform> hp: Hyper;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= hp.n) { return; }
  let p = params[i];
  let g = grads[i] + hp.weightDecay * p;
  let mi = hp.beta1 * m[i] + (1.0 - hp.beta1) * g;
  let vi = hp.beta2 * v[i] + (1.0 - hp.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  params[i] = p - hp.stepSize * mi / (sqrt(vi) / hp.bc2Sqrt + hp.eps);
}
