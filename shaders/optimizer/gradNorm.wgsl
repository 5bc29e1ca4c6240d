// The global gradient norm and what the optimizer does with it, without a CPU round trip.
// `partials`: invocation k sums the squares of gradient chunk k in order.
// `finish`: one invocation adds the partials in order (deterministic, no float atomics) and decides
// the step: a non-finite norm skips it (the optimizer then changes nothing and the step count stays);
// otherwise the step count advances and clip_grad_norm_'s scale min(1, maxNorm / (norm + 1e-6)) and
// Adam's bias corrections for the new step are stored for the optimizer dispatch.

const CHUNK: u32 = 1024u;

struct Settings { n: u32, chunks: u32, maxNorm: f32, beta1: f32, beta2: f32 }

@group(0) @binding(0) var<uniform> cfg: Settings;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
@group(0) @binding(3) var<storage, read_write> state: OptState; // optState.wgsl
@group(0) @binding(4) var<storage, read_write> metrics: array<f32>; // [loss, gradNorm, skipped, step]

@compute @workgroup_size(64)
fn partials(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  if (k >= cfg.chunks) { return; }
  var s = 0.0;
  let end = min((k + 1u) * CHUNK, cfg.n);
  for (var i = k * CHUNK; i < end; i++) { s += grads[i] * grads[i]; }
  partial[k] = s;
}

@compute @workgroup_size(1)
fn finish() {
  var s = 0.0;
  for (var k = 0u; k < cfg.chunks; k++) { s += partial[k]; }
  let norm = sqrt(s);
  state.norm = norm;
  metrics[1] = norm;
  if (!(norm <= 3.4028234e38)) { // NaN fails every comparison
    state.skipped = 1u;
    state.skippedTotal += 1u;
    metrics[2] = 1.0;
    metrics[3] = f32(state.step);
    return;
  }
  state.skipped = 0u;
  state.step += 1u;
  let t = f32(state.step);
  var scale = 1.0;
  if (cfg.maxNorm > 0.0) { scale = min(1.0, cfg.maxNorm / (norm + 1e-6)); }
  state.scale = scale;
  state.bc1 = 1.0 - pow(cfg.beta1, t);
  state.bc2Sqrt = sqrt(1.0 - pow(cfg.beta2, t));
  metrics[2] = 0.0;
  metrics[3] = t;
}
