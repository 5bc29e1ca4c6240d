// One level of backpropagation through structure for the binary Tree-LSTM, every node of the level
// in the batch, one dispatch per level, top down. Each node pulls what reaches it from its parent
// (written by the previous dispatch): no two invocations write one element, no atomics.
//   dh  = dhead + U_sideᵀ δ_parent                 (U_side: the half of U [5H, 2H] that read h)
//   dc  = dc_parent ⊙ f_side(parent) + dh ⊙ o ⊙ (1 − tanh²c)
//   δ_i = dc ⊙ u ⊙ i(1−i)   δ_o = dh ⊙ tanh c ⊙ o(1−o)   δ_u = dc ⊙ i ⊙ (1−u²)
//   δ_fl = dc ⊙ c_left ⊙ f_l(1−f_l)   δ_fr = dc ⊙ c_right ⊙ f_r(1−f_r)
// The stored activations are post-nonlinearity (i, o, f = σ(·), u = tanh(·)). Leaves have f = 0 and
// children pointing at the zero row, so the same code gives them δ_f = 0. A root's parent is the zero
// row past the batch (δ, dc and f all 0 there).

override H: u32;

override WG: u32 = 64u; // invocations per workgroup along the units (the host picks it from H)

struct Offsets { emb: u32, w: u32, b: u32 }
struct Level { start: u32, count: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> nodes: array<vec4<u32>>; // (left, right, parent, side)
@group(0) @binding(3) var<storage, read> cs: array<f32>;          // [N + 1, H]
@group(0) @binding(4) var<storage, read> gates: array<f32>;       // [N + 1, 5H]
@group(0) @binding(5) var<storage, read> dhead: array<f32>;       // [N, H]
@group(0) @binding(6) var<storage, read_write> dpre: array<f32>;  // [N + 1, 5H]: δ; row N stays 0
@group(0) @binding(7) var<storage, read_write> dc: array<f32>;    // [N + 1, H]: total dL/dc; row N stays 0
@group(1) @binding(0) var<uniform> level: Level;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= H) { return; }
  let k0 = gid.y * 4u;
  let last = level.count - 1u;
  let n = vec4<u32>(min(k0, last), min(k0 + 1u, last), min(k0 + 2u, last), min(k0 + 3u, last)) + level.start;
  let a = nodes[n.x]; let b = nodes[n.y]; let c = nodes[n.z]; let d = nodes[n.w];
  let p = vec4<u32>(a.z, b.z, c.z, d.z) * 5u * H;
  let right = vec4<u32>(a.w, b.w, c.w, d.w) == vec4<u32>(1u);
  let col = off.w + i;
  var acc = vec4<f32>(0.0);
  for (var j = 0u; j < 5u * H; j++) {
    let wl = params[col + j * 2u * H];
    let wr = params[col + j * 2u * H + H];
    acc += select(vec4<f32>(wl), vec4<f32>(wr), right) * vec4<f32>(dpre[p.x + j], dpre[p.y + j], dpre[p.z + j], dpre[p.w + j]);
  }
  for (var q = 0u; q < 4u; q++) {
    if (k0 + q >= level.count) { break; }
    let m = n[q];
    let node = nodes[m];
    let parentGate = node.z * 5u * H + (3u + node.w) * H + i; // f_side of the parent
    let dh = dhead[m * H + i] + acc[q];
    let g = m * 5u * H + i;
    let ig = gates[g];
    let og = gates[g + H];
    let ug = gates[g + 2u * H];
    let fl = gates[g + 3u * H];
    let fr = gates[g + 4u * H];
    let tc = tanh(cs[m * H + i]);
    let dct = dc[node.z * H + i] * gates[parentGate] + dh * og * (1.0 - tc * tc);
    dc[m * H + i] = dct;
    dpre[g] = dct * ug * ig * (1.0 - ig);
    dpre[g + H] = dh * tc * og * (1.0 - og);
    dpre[g + 2u * H] = dct * ig * (1.0 - ug * ug);
    dpre[g + 3u * H] = dct * cs[node.x * H + i] * fl * (1.0 - fl);
    dpre[g + 4u * H] = dct * cs[node.y * H + i] * fr * (1.0 - fr);
  }
}
