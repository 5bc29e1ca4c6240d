// The gradient of one time step of a recurrent layer shaped for GPUs (tile.wgsl), for t = T-1 down
// to 0: the same math as backwardStep.wgsl, split for a large GPU as forwardTile.wgsl splits the
// forward step. W_hhᵀ dA_{t+1} = dA_{t+1} [B, G·H] · W_hh [G·H, H]: per BK slice of k, the rows'
// dA_{t+1} (nextAt: for the GRU its hidden side) and the [BK][UT] block of W_hh are staged in
// workgroup memory (coalesced along k and along units), each invocation adds TM rows of its unit,
// and the cell's gateGrads (<cell>BackwardStep.wgsl) runs on the sums, fused.

override T: u32;

var<workgroup> wTile: array<f32, BK * UT>; // W_hh[k0 + k][units], [BK][UT]

alias Sum = f32;

/** The rows staged in rowTile (tile.wgsl): dA_{t+1}, as the cell's gradient names it. */
fn rowAt(i: u32) -> f32 { return nextAt(i); }

/** The cell's gradient at (b, u) from its W_hhᵀ dA_{t+1} sum. */
fn emit(t: u32, b: u32, u: u32, fromNext: f32) { gateGrads(t, t * B + b, u, fromNext); }

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = tileOrigin(wid.x);
  let me = lane(li);
  let t = step.t;
  var a0 = 0.0; var a1 = 0.0; var a2 = 0.0; var a3 = 0.0;
  if (t + 1u < T) {
    let G = GATES * H;
    let base = (t + 1u) * B * G;
    for (var k0 = 0u; k0 < G; k0 += BK) {
      stageRows(li, o.y, base, k0, G);
      for (var e = li; e < BK * UT; e += WG) {
        wTile[e] = params[off.whh + min(k0 + e / UT, G - 1u) * H + min(o.x + e % UT, H - 1u)];
      }
      workgroupBarrier();
      for (var k = me.s; k < BK; k += KS) {
        let w = wTile[k * UT + me.u];
        let a = me.r * PAD + k;
        a0 += rowTile[a] * w;
        if (TM > 1u) { a1 += rowTile[a + PAD] * w; }
        if (TM > 2u) { a2 += rowTile[a + 2u * PAD] * w; }
        if (TM > 3u) { a3 += rowTile[a + 3u * PAD] * w; }
      }
      workgroupBarrier();
    }
  }
  finishTile(t, o, me, li, array<f32, 4>(a0, a1, a2, a3));
}
