// One level of the binary Tree-LSTM's forward pass (Tai, Socher & Manning 2015, a forget gate per
// child), for every node of that level in the batch: one dispatch per level, bottom up; the level's
// node range arrives through a dynamic uniform offset. Gate blocks [i, o, u, f_l, f_r]:
//   `inner`:  [i, o, u, f_l, f_r] = U [h_left; h_right] + b      U = tree.weight [5H, 2H]
//             c = σ(i) ⊙ tanh(u) + σ(f_l) ⊙ c_left + σ(f_r) ⊙ c_right,  h = σ(o) ⊙ tanh(c)
//   `leaves`: [i, o, u] = E[token] + b[0:3H]                      E = embedding.weight [V, 3H]
//             c = σ(i) ⊙ tanh(u),  h = σ(o) ⊙ tanh(c)   (no children: f_l = f_r = 0 are stored)
// The gate activations, c, h and the input [h_left; h_right] (zeros for leaves) are kept for the
// backward pass and the weight gradient. Invocation (i, k) computes unit i, all five gates, of nodes
// 4k..4k+3 of the level (clamped, as in treeForwardLevel.wgsl).

override H: u32;

override WG: u32 = 64u; // invocations per workgroup along the units (the host picks it from H)

struct Offsets { emb: u32, w: u32, b: u32 }
struct Level { start: u32, count: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> nodes: array<vec4<u32>>; // (left, right, parent, side)
@group(0) @binding(3) var<storage, read> tokens: array<u32>;
@group(0) @binding(4) var<storage, read_write> hs: array<f32>;    // [N, H]
@group(0) @binding(5) var<storage, read_write> cs: array<f32>;    // [N + 1, H]; row N stays 0
@group(0) @binding(6) var<storage, read_write> gates: array<f32>; // [N + 1, 5H]
@group(0) @binding(7) var<storage, read_write> kids: array<f32>;  // [N, 2H]
@group(1) @binding(0) var<uniform> level: Level;

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }

fn store(n: u32, i: u32, ig: f32, og: f32, ug: f32, fl: f32, fr: f32, c: f32) {
  cs[n * H + i] = c;
  hs[n * H + i] = og * tanh(c);
  let g = n * 5u * H + i;
  gates[g] = ig;
  gates[g + H] = og;
  gates[g + 2u * H] = ug;
  gates[g + 3u * H] = fl;
  gates[g + 4u * H] = fr;
}

@compute @workgroup_size(WG)
fn leaves(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= H) { return; }
  for (var c = 0u; c < 4u; c++) {
    let k = gid.y * 4u + c;
    if (k >= level.count) { break; }
    let n = level.start + k;
    let e = off.emb + tokens[n] * 3u * H + i;
    let ig = sigmoid(params[e] + params[off.b + i]);
    let og = sigmoid(params[e + H] + params[off.b + H + i]);
    let ug = tanh(params[e + 2u * H] + params[off.b + 2u * H + i]);
    store(n, i, ig, og, ug, 0.0, 0.0, ig * ug);
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
  let row = 2u * H * H; // floats per gate block of U
  let w = off.w + i * 2u * H;
  var ai = vec4<f32>(params[off.b + i]);
  var ao = vec4<f32>(params[off.b + H + i]);
  var au = vec4<f32>(params[off.b + 2u * H + i]);
  var afl = vec4<f32>(params[off.b + 3u * H + i]);
  var afr = vec4<f32>(params[off.b + 4u * H + i]);
  for (var j = 0u; j < H; j++) {
    let x = vec4<f32>(hs[l.x + j], hs[l.y + j], hs[l.z + j], hs[l.w + j]);
    ai += params[w + j] * x;
    ao += params[w + row + j] * x;
    au += params[w + 2u * row + j] * x;
    afl += params[w + 3u * row + j] * x;
    afr += params[w + 4u * row + j] * x;
  }
  for (var j = 0u; j < H; j++) {
    let x = vec4<f32>(hs[r.x + j], hs[r.y + j], hs[r.z + j], hs[r.w + j]);
    ai += params[w + H + j] * x;
    ao += params[w + row + H + j] * x;
    au += params[w + 2u * row + H + j] * x;
    afl += params[w + 3u * row + H + j] * x;
    afr += params[w + 4u * row + H + j] * x;
  }
  for (var q = 0u; q < 4u; q++) {
    if (k0 + q >= level.count) { break; }
    let m = n[q];
    let ig = sigmoid(ai[q]);
    let og = sigmoid(ao[q]);
    let ug = tanh(au[q]);
    let fl = sigmoid(afl[q]);
    let fr = sigmoid(afr[q]);
    store(m, i, ig, og, ug, fl, fr, ig * ug + fl * cs[l[q] + i] + fr * cs[r[q] + i]);
    kids[m * 2u * H + i] = hs[l[q] + i];
    kids[m * 2u * H + H + i] = hs[r[q] + i];
  }
}
