// One level of backpropagation through structure, top down (level.wgsl), for either cell. Each node
// pulls what reaches it from its parent, whose δ the previous dispatch wrote, so no two invocations
// write one element and no atomics are needed. For unit i of a Quad's nodes that is W_sideᵀ
// δ_parent, where W_side is the half of the cell's weight [G·H, 2H] that read the node; the four
// nodes' sides may differ, so both halves are loaded and one selected per lane. A root's parent is
// the zero row past the batch (its δ is always 0).
// The cell supplies (<cell>BackwardLevel.wgsl) GATES, δ (dpre, [N + 1, G·H]; row N stays 0) and
// nodeGrads(m, i, fromParent), the gradients of node m's unit i.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= H) { return; }
  let nq = quad(gid.y);
  let G = GATES * H;
  let p = nq.parent * G;
  let right = nq.side == vec4<u32>(1u);
  let col = off.w + i;
  var acc = vec4<f32>(0.0);
  for (var j = 0u; j < G; j++) {
    let wl = params[col + j * 2u * H];
    let wr = params[col + j * 2u * H + H];
    acc += select(vec4<f32>(wl), vec4<f32>(wr), right) * vec4<f32>(dpre[p.x + j], dpre[p.y + j], dpre[p.z + j], dpre[p.w + j]);
  }
  for (var q = 0u; q < 4u; q++) {
    if (!inLevel(gid.y, q)) { break; }
    nodeGrads(nq.id[q], i, acc[q]);
  }
}
