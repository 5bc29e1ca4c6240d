// The gradient of one time step of a recurrent layer, run for t = T-1 down to 0, one dispatch per
// step (step.wgsl). For each (row, unit) the cell's gateGrads (<cell>BackwardStep.wgsl) adds to the
// gradient reaching h_t from above what reaches it from step t+1, W_hhᵀ dA_{t+1}, and turns it into
// the gradients of the gate pre-activations, dA_t. W_hhᵀ dA_{t+1} for all rows is a small GEMM,
// dA_{t+1} [B, G·H] · W_hh [G·H, H], register-blocked as in common/gemm.wgsl: invocation (u0, b0)
// sums units u0..u0+15 (a Row, unitRow.wgsl) of rows b0..b0+TB-1, so per k it loads 16 weights (a
// contiguous run of a W_hh row) and TB gradients for 16·TB multiply-adds (the former 4 rows × 1
// unit did 4 per 5 loads). It then owns those (row, unit) pairs in every buffer it writes. Rows and
// units past the edge are clamped (clamp4), not branched on.
// The cell supplies GATES, nextAt (the dA_{t+1} the loop reads: for the GRU its hidden side, dAhh)
// and gateGrads.

override T: u32;

fn ldNext(i: vec4<u32>, k: u32) -> vec4<f32> { return vec4<f32>(nextAt(i.x + k), nextAt(i.y + k), nextAt(i.z + k), nextAt(i.w + k)); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let unitTiles = (H + 15u) / 16u;
  let u0 = (gid.x % unitTiles) * 16u;
  let b0 = (gid.x / unitTiles) * TB;
  if (b0 >= B) { return; }
  let t = step.t;
  var r0 = Row(); var r1 = r0; var r2 = r0; var r3 = r0; var r4 = r0; var r5 = r0; var r6 = r0; var r7 = r0;
  if (t + 1u < T) {
    let G = GATES * H;
    let w = rowIndex(off.whh, u0, 1u); // column u of W_hh, row k at k·H
    let base = (t + 1u) * B * G;
    let n0 = base + clamp4(b0, B - 1u) * G;
    let n1 = base + clamp4(b0 + 4u, B - 1u) * G;
    for (var k = 0u; k < G; k++) {
      let wk = loadRow(w, k * H);
      let a0 = ldNext(n0, k);
      r0 = axpy(r0, a0.x, wk); r1 = axpy(r1, a0.y, wk); r2 = axpy(r2, a0.z, wk); r3 = axpy(r3, a0.w, wk);
      if (TB > 4u) {
        let a1 = ldNext(n1, k);
        r4 = axpy(r4, a1.x, wk); r5 = axpy(r5, a1.y, wk); r6 = axpy(r6, a1.z, wk); r7 = axpy(r7, a1.w, wk);
      }
    }
  }
  // One epilogue loop over the rows (the accumulators spill to an array once, after the k loop):
  // TB inlined copies of it made the pipeline several times slower to compile.
  let acc = array<Row, 8>(r0, r1, r2, r3, r4, r5, r6, r7);
  for (var i = 0u; i < TB; i++) { finish(t, b0 + i, u0, acc[i]); }
}

/** Row b's units u0..u0+15 (those inside the batch and layer). */
fn finish(t: u32, b: u32, u0: u32, r: Row) {
  if (b >= B) { return; }
  for (var c = 0u; c < 16u; c++) {
    let u = u0 + c;
    if (u >= H) { return; }
    gateGrads(t, t * B + b, u, pick(r, c));
  }
}
