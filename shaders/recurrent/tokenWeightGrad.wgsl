// Gradient of the token projection: dW_ih[i, v] = Σ_{r : x_r = v} δ[r, i].
// The rows of each token come pre-grouped (offsets/rows, a counting sort done with the batch), so
// every output is one fixed-order sum: deterministic without float atomics, O(T·B·H) work.
// Invocation (i0, v) sums units i0..i0+3: each row index it loads serves four sums (a load is what
// SwiftShader pays most for). Units past H are clamped and not stored.

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
  let i0 = gid.x * 4u;
  let v = gid.y;
  if (i0 >= H) { return; }
  let last = H - 1u;
  let i = vec4<u32>(i0, min(i0 + 1u, last), min(i0 + 2u, last), min(i0 + 3u, last));
  var s = vec4<f32>(0.0);
  for (var p = tokOffsets[v]; p < tokOffsets[v + 1u]; p++) {
    let r = tokRows[p] * H;
    s += vec4<f32>(delta[r + i.x], delta[r + i.y], delta[r + i.z], delta[r + i.w]);
  }
  for (var c = 0u; c < 4u; c++) {
    if (i0 + c < H) { grads[off.dwih + (i0 + c) * V + v] = s[c]; }
  }
}
