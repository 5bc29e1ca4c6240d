// One time step of a recurrent layer's forward pass, fused, for every batch row: the cell's update
// of h_t (and of what its backward step keeps) from h_{t-1}, one dispatch per step (step.wgsl).
// W_hh h for all rows is a small GEMM, [B, H] · W_hhᵀ, register-blocked as in common/gemm.wgsl:
// invocation (u0, b0) computes a tile of UNITS units, all their gates, for batch rows b0..b0+TB-1,
// so per j it loads one Row of weights and TB states for TB Rows of multiply-adds. A unit's gates
// stay in one invocation, so the cell's update is fused after the loop. Rows and units past the
// edge are clamped (clamp4) and not stored.
// The cell supplies its tile (<cell>ForwardStep.wgsl: UNITS, Row, axpy, weights, loadRow, biasRow,
// gatesOf) and its update of one (row, unit), shared with forwardSeq.wgsl (<cell>Cell.wgsl: cell).

fn ldh(i: vec4<u32>, j: u32) -> vec4<f32> { return vec4<f32>(hs[i.x + j], hs[i.y + j], hs[i.z + j], hs[i.w + j]); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let unitTiles = (H + UNITS - 1u) / UNITS;
  let u0 = (gid.x % unitTiles) * UNITS;
  let b0 = (gid.x / unitTiles) * TB;
  if (b0 >= B) { return; }
  let t = step.t;
  let w = weights(u0);
  let base = t * B * H; // h_{t-1}: block t of hs
  let p0 = base + clamp4(b0, B - 1u) * H;
  let p1 = base + clamp4(b0 + 4u, B - 1u) * H;
  var r0 = Row(); var r1 = r0; var r2 = r0; var r3 = r0; var r4 = r0; var r5 = r0; var r6 = r0; var r7 = r0;
  for (var j = 0u; j < H; j++) {
    let wj = loadRow(w, j);
    let h0 = ldh(p0, j);
    r0 = axpy(r0, h0.x, wj); r1 = axpy(r1, h0.y, wj); r2 = axpy(r2, h0.z, wj); r3 = axpy(r3, h0.w, wj);
    if (TB > 4u) {
      let h1 = ldh(p1, j);
      r4 = axpy(r4, h1.x, wj); r5 = axpy(r5, h1.y, wj); r6 = axpy(r6, h1.z, wj); r7 = axpy(r7, h1.w, wj);
    }
  }
  let bias = biasRow(u0);
  // One epilogue loop over the rows (the accumulators spill to an array once, after the j loop):
  // TB inlined copies of it made the pipeline several times slower to compile.
  let acc = array<Row, 8>(r0, r1, r2, r3, r4, r5, r6, r7);
  for (var i = 0u; i < TB; i++) { finish(t, b0 + i, u0, acc[i], bias); }
}

/** Row b's units u0..u0+UNITS-1 (those inside the batch and layer) from their W_hh h sums. */
fn finish(t: u32, b: u32, u0: u32, r: Row, bias: Row) {
  if (b >= B) { return; }
  for (var c = 0u; c < UNITS; c++) {
    let u = u0 + c;
    if (u >= H) { return; }
    cell(t, b, u, gatesOf(r, c), gatesOf(bias, c), hs[(t * B + b) * H + u]);
  }
}
