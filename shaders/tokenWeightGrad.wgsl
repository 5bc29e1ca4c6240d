// Gradient of the token projection: dW_ih[i, v] = Σ_{r : x_r = v} δ[r, i].
// The rows of each token come pre-grouped (offsets/rows, a counting sort done with the batch), so
// every output is one fixed-order sum: deterministic without float atomics, O(T·B·H) work.

override H: u32;
override V: u32;

struct Offsets { dwih: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> delta: array<f32>;   // [T*B, H]
@group(0) @binding(2) var<storage, read> tokOffsets: array<u32>; // [V+1]
@group(0) @binding(3) var<storage, read> tokRows: array<u32>;    // [T*B]
@group(0) @binding(4) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let v = gid.y;
  if (i >= H) { return; }
  var s = 0.0;
  for (var p = tokOffsets[v]; p < tokOffsets[v + 1u]; p++) { s += delta[tokRows[p] * H + i]; }
  grads[off.dwih + i * V + v] = s;
}
