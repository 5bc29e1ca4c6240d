// One time step of a recurrent layer's forward pass shaped for GPUs (tile.wgsl): the per-step kernel
// forwardStep.wgsl gives each invocation a whole register block and leaves a few workgroups, right
// for a CPU's cores; here a workgroup of WG invocations owns BM rows × UT units (all their gates),
// so a large GPU gets enough workgroups to fill it. W_hh h_{t-1}: per BK slice of k, the rows' h and
// the units' W_hh rows are staged in workgroup memory (coalesced: consecutive invocations load
// consecutive k), then each invocation adds TM rows × its unit's gates over its k. The cell's update
// (<cell>Cell.wgsl: cell, gatesAt, Gates) runs on the sums, fused.

var<workgroup> hTile: array<f32, BM * PAD>;        // h_{t-1} of the tile's rows, [BM][BK]
var<workgroup> wTile: array<Gates, UT * PAD>;      // each unit's gates' W_hh rows, [UT][BK]
var<workgroup> partial: array<Gates, KS * BM * UT>; // each slice's sums, [KS][BM][UT]

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = tileOrigin(wid.x);
  let me = lane(li);
  let t = step.t;
  let base = t * B * H; // h_{t-1}: block t of hs
  var a0 = Gates(); var a1 = a0; var a2 = a0; var a3 = a0;
  for (var k0 = 0u; k0 < H; k0 += BK) {
    for (var e = li; e < BM * BK; e += WG) {
      let k = k0 + e % BK;
      let h = hs[base + min(o.y + e / BK, B - 1u) * H + min(k, H - 1u)];
      hTile[(e / BK) * PAD + e % BK] = select(0.0, h, k < H);
    }
    for (var e = li; e < UT * BK; e += WG) {
      wTile[(e / BK) * PAD + e % BK] = gatesAt(off.whh + min(o.x + e / BK, H - 1u) * H + min(k0 + e % BK, H - 1u), H * H);
    }
    workgroupBarrier();
    for (var k = me.s; k < BK; k += KS) {
      let w = wTile[me.u * PAD + k];
      let h = me.r * PAD + k;
      a0 += hTile[h] * w;
      if (TM > 1u) { a1 += hTile[h + PAD] * w; }
      if (TM > 2u) { a2 += hTile[h + 2u * PAD] * w; }
      if (TM > 3u) { a3 += hTile[h + 3u * PAD] * w; }
    }
    workgroupBarrier();
  }
  let acc = array<Gates, 4>(a0, a1, a2, a3);
  for (var m = 0u; m < TM; m++) { partial[(me.s * BM + me.r + m) * UT + me.u] = acc[m]; }
  workgroupBarrier();
  for (var e = li; e < BM * UT; e += WG) {
    let b = o.y + e / UT;
    let u = o.x + e % UT;
    if (b < B && u < H) {
      var hid = partial[e];
      for (var s = 1u; s < KS; s++) { hid += partial[s * BM * UT + e]; }
      cell(t, b, u, hid, gatesAt(off.bhh + u, H), hs[(t * B + b) * H + u]);
    }
  }
}
