// One time step of a recurrent layer's forward pass shaped for GPUs (tile.wgsl): the per-step kernel
// forwardStep.wgsl gives each invocation a whole register block and leaves a few workgroups, right
// for a CPU's cores; here a workgroup of WG invocations owns BM rows × UT units (all their gates),
// so a large GPU gets enough workgroups to fill it. W_hh h_{t-1}: per BK slice of k, the rows' h and
// the units' W_hh rows are staged in workgroup memory (coalesced: consecutive invocations load
// consecutive k), then each invocation adds TM rows × its unit's gates over its k. The cell's update
// (<cell>Cell.wgsl: cell, gatesAt, Gates) runs on the sums, fused.

var<workgroup> wTile: array<Gates, UT * PAD>; // each unit's gates' W_hh rows, [UT][BK]

alias Sum = Gates;

/** The rows staged in rowTile (tile.wgsl): h_{t-1}. */
fn rowAt(i: u32) -> f32 { return hs[i]; }

/** The cell's update of (b, u) from its W_hh h_{t-1} sums. */
fn emit(t: u32, b: u32, u: u32, hid: Gates) { cell(t, b, u, hid, gatesAt(off.bhh + u, H), hs[(t * B + b) * H + u]); }

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = tileOrigin(wid.x);
  let me = lane(li);
  let t = step.t;
  let base = t * B * H; // h_{t-1}: block t of hs
  var a0 = Gates(); var a1 = a0; var a2 = a0; var a3 = a0;
  for (var k0 = 0u; k0 < H; k0 += BK) {
    stageRows(li, o.y, base, k0, H);
    for (var e = li; e < UT * BK; e += WG) {
      wTile[(e / BK) * PAD + e % BK] = gatesAt(off.whh + min(o.x + e / BK, H - 1u) * H + min(k0 + e % BK, H - 1u), H * H);
    }
    workgroupBarrier();
    for (var k = me.s; k < BK; k += KS) {
      let w = wTile[me.u * PAD + k];
      let h = me.r * PAD + k;
      a0 += rowTile[h] * w;
      if (TM > 1u) { a1 += rowTile[h + PAD] * w; }
      if (TM > 2u) { a2 += rowTile[h + 2u * PAD] * w; }
      if (TM > 3u) { a3 += rowTile[h + 3u * PAD] * w; }
    }
    workgroupBarrier();
  }
  finishTile(t, o, me, li, array<Gates, 4>(a0, a1, a2, a3));
}
