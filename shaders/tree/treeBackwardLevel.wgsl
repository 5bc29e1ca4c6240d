// One level of backpropagation through structure (cell "rnn"), for every node of that level in the
// batch: one dispatch per level, top down. Each node pulls its gradient from its parent, whose δ
// the previous dispatch wrote, so no two invocations write one element and no atomics are needed:
//   dh = dhead + W_sideᵀ δ_parent     (W_side: the half of W [H, 2H] that read this node)
//   δ  = dh ⊙ (1 − h²)                (h = tanh(pre), leaves and inner nodes alike)
// A root's parent is the zero row past the batch (its δ is always 0). Four nodes per invocation as in
// the forward level; their sides may differ, so both halves of W are loaded and one selected.

override H: u32;

override WG: u32 = 64u; // invocations per workgroup along the units (the host picks it from H)

struct Offsets { emb: u32, w: u32, b: u32 }
struct Level { start: u32, count: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> nodes: array<vec4<u32>>; // (left, right, parent, side)
@group(0) @binding(3) var<storage, read> hs: array<f32>;          // [N, H]
@group(0) @binding(4) var<storage, read> dhead: array<f32>;       // [N, H]: the head's gradient
@group(0) @binding(5) var<storage, read_write> dpre: array<f32>;  // [N + 1, H]: δ; row N stays 0
@group(1) @binding(0) var<uniform> level: Level;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= H) { return; }
  let k0 = gid.y * 4u;
  let last = level.count - 1u;
  let n = vec4<u32>(min(k0, last), min(k0 + 1u, last), min(k0 + 2u, last), min(k0 + 3u, last)) + level.start;
  let a = nodes[n.x]; let b = nodes[n.y]; let c = nodes[n.z]; let d = nodes[n.w];
  let p = vec4<u32>(a.z, b.z, c.z, d.z) * H;
  let right = vec4<u32>(a.w, b.w, c.w, d.w) == vec4<u32>(1u);
  let col = off.w + i;
  var acc = vec4<f32>(0.0);
  for (var j = 0u; j < H; j++) {
    let wl = params[col + j * 2u * H];
    let wr = params[col + j * 2u * H + H];
    acc += select(vec4<f32>(wl), vec4<f32>(wr), right) * vec4<f32>(dpre[p.x + j], dpre[p.y + j], dpre[p.z + j], dpre[p.w + j]);
  }
  for (var q = 0u; q < 4u; q++) {
    if (k0 + q >= level.count) { break; }
    let m = n[q] * H + i;
    let h = hs[m];
    dpre[m] = (dhead[m] + acc[q]) * (1.0 - h * h);
  }
}
