// One level of the recursive network's forward pass (cell "rnn"), for every node of that level in
// the whole batch of trees: one dispatch per level, bottom up. The level's node range arrives as
// group 1 through a dynamic uniform offset (a table written once per batch).
//   `leaves`: h = tanh(E[token] + b)                 E = embedding.weight [V, H]
//   `inner`:  h = tanh(W [h_left; h_right] + b)      W = tree.weight [H, 2H]
// Both also store the node's input [h_left; h_right] (zeros for leaves) in `kids`, the matrix the
// weight gradient dW = δᵀ · kids is reduced from after the level loop.
// Invocation (i, k) computes unit i of nodes 4k..4k+3 of the level: each W element it loads feeds
// four multiply-adds. Nodes past the level's end are clamped onto its last node (no branch in the
// loop) and their results dropped. Children sit at lower levels, so no invocation reads a row
// another one writes.

override H: u32;

override WG: u32 = 64u; // invocations per workgroup along the units (the host picks it from H)

struct Offsets { emb: u32, w: u32, b: u32 }
struct Level { start: u32, count: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> nodes: array<vec4<u32>>; // (left, right, parent, side)
@group(0) @binding(3) var<storage, read> tokens: array<u32>;      // per node (leaves)
@group(0) @binding(4) var<storage, read_write> hs: array<f32>;    // [N, H]
@group(0) @binding(5) var<storage, read_write> kids: array<f32>;  // [N, 2H]
@group(1) @binding(0) var<uniform> level: Level;

@compute @workgroup_size(WG)
fn leaves(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= H) { return; }
  let bias = params[off.b + i];
  for (var c = 0u; c < 4u; c++) {
    let k = gid.y * 4u + c;
    if (k >= level.count) { break; }
    let n = level.start + k;
    hs[n * H + i] = tanh(params[off.emb + tokens[n] * H + i] + bias);
    kids[n * 2u * H + i] = 0.0;
    kids[n * 2u * H + H + i] = 0.0;
  }
}

@compute @workgroup_size(WG)
fn inner(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= H) { return; }
  let k0 = gid.y * 4u;
  let last = level.count - 1u;
  let n = vec4<u32>(min(k0, last), min(k0 + 1u, last), min(k0 + 2u, last), min(k0 + 3u, last)) + level.start;
  let a = nodes[n.x]; let b = nodes[n.y]; let c = nodes[n.z]; let d = nodes[n.w];
  let l = vec4<u32>(a.x, b.x, c.x, d.x) * H;
  let r = vec4<u32>(a.y, b.y, c.y, d.y) * H;
  let w = off.w + i * 2u * H;
  var acc = vec4<f32>(params[off.b + i]);
  for (var j = 0u; j < H; j++) {
    acc += params[w + j] * vec4<f32>(hs[l.x + j], hs[l.y + j], hs[l.z + j], hs[l.w + j]);
  }
  for (var j = 0u; j < H; j++) {
    acc += params[w + H + j] * vec4<f32>(hs[r.x + j], hs[r.y + j], hs[r.z + j], hs[r.w + j]);
  }
  for (var q = 0u; q < 4u; q++) {
    if (k0 + q >= level.count) { break; }
    let m = n[q];
    hs[m * H + i] = tanh(acc[q]);
    kids[m * 2u * H + i] = hs[l[q] + i];
    kids[m * 2u * H + H + i] = hs[r[q] + i];
  }
}
