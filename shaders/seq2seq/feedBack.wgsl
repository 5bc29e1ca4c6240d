// The decoder's input at step u = t + 1, chosen on the GPU once step t's logits are known
// (gpu/seq2seq/freeRunning.ts), as the float64 reference chooses it (gpu/seq2seq/reference.ts):
//   mask[u·B + b] = 1: the target's previous token, teacher[u·B + b] (teacher forcing);
//   mask[u·B + b] = 0: argmax of the step's logits [B, V] for row b, the first of equal maxima.
// Only real rows (u < lengths[b]) are written: padded rows keep the <pad> the upload wrote, and the
// last step (u = U) writes nothing. The step index t arrives as the step kernels' does (group 1).

override B: u32;
override U: u32;
override V: u32;

struct Step { t: u32 }

@group(0) @binding(0) var<storage, read> lengths: array<u32>;      // [B] target steps
@group(0) @binding(1) var<storage, read> mask: array<u32>;         // [U·B] 1 = teacher-forced
@group(0) @binding(2) var<storage, read> teacher: array<u32>;      // [U·B] the teacher-forced inputs
@group(0) @binding(3) var<storage, read> logits: array<f32>;       // [B, V] step t's
@group(0) @binding(4) var<storage, read_write> tokens: array<u32>; // [U·B] the decoder's inputs
@group(1) @binding(0) var<uniform> step: Step;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = gid.x;
  let u = step.t + 1u;
  if (b >= B || u >= U || u >= lengths[b]) { return; }
  let r = u * B + b;
  if (mask[r] != 0u) {
    tokens[r] = teacher[r];
    return;
  }
  var best = 0u;
  var top = logits[b * V];
  for (var v = 1u; v < V; v++) {
    let x = logits[b * V + v];
    if (x > top) {
      top = x;
      best = v;
    }
  }
  tokens[r] = best;
}
