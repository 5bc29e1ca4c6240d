// One level of the tree network's forward pass, bottom up (level.wgsl), for either cell: `leaves`
// computes the leaf level from the tokens' embedding rows, `inner` every other level from the
// children's states. Both store the node's input [h_left; h_right] (zeros for leaves) in `kids`,
// the matrix the weight gradient dW = δᵀ · kids is reduced from after the level loop.
// The cell supplies (<cell>ForwardLevel.wgsl) leaf(n, i); childSums(i, l, r), its pre-activations
// of unit i for a Quad's four nodes (Sums, each weight loaded once for the four); and
// innerNode(m, i, s, q, l, r), the update of lane q's node m from them.

@group(0) @binding(3) var<storage, read> tokens: array<u32>;     // per node (leaves)
@group(0) @binding(4) var<storage, read_write> hs: array<f32>;   // [N, H]
@group(0) @binding(5) var<storage, read_write> kids: array<f32>; // [N, 2H]

/** hs at four rows (offsets, one per lane) plus j. */
fn ldh(rows: vec4<u32>, j: u32) -> vec4<f32> { return vec4<f32>(hs[rows.x + j], hs[rows.y + j], hs[rows.z + j], hs[rows.w + j]); }

@compute @workgroup_size(WG)
fn leaves(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= H) { return; }
  for (var q = 0u; q < 4u; q++) {
    if (!inLevel(gid.y, q)) { break; }
    let n = level.start + gid.y * 4u + q;
    leaf(n, i);
    kids[n * 2u * H + i] = 0.0;
    kids[n * 2u * H + H + i] = 0.0;
  }
}

@compute @workgroup_size(WG)
fn inner(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= H) { return; }
  let nq = quad(gid.y);
  let l = nq.left * H;
  let r = nq.right * H;
  let s = childSums(i, l, r);
  for (var q = 0u; q < 4u; q++) {
    if (!inLevel(gid.y, q)) { break; }
    let m = nq.id[q];
    innerNode(m, i, s, q, l[q], r[q]);
    kids[m * 2u * H + i] = hs[l[q] + i];
    kids[m * 2u * H + H + i] = hs[r[q] + i];
  }
}
