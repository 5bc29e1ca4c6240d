// The gradient of one time step of a recurrent layer shaped for GPUs (tile.wgsl), for t = T-1 down
// to 0: the same math as backwardStep.wgsl, split for a large GPU as forwardTile.wgsl splits the
// forward step. W_hhᵀ dA_{t+1} = dA_{t+1} [B, G·H] · W_hh [G·H, H]: per BK slice of k, the rows'
// dA_{t+1} (nextAt: for the GRU its hidden side) and the [BK][UT] block of W_hh are staged in
// workgroup memory (coalesced along k and along units), each invocation adds TM rows of its unit,
// and the cell's gateGrads (<cell>BackwardStep.wgsl) runs on the sums, fused.

override T: u32;

var<workgroup> aTile: array<f32, BM * PAD>;      // dA_{t+1} of the tile's rows, [BM][BK]
var<workgroup> wTile: array<f32, BK * UT>;       // W_hh[k0 + k][units], [BK][UT]
var<workgroup> partial: array<f32, KS * BM * UT>; // each slice's sums, [KS][BM][UT]

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
      for (var e = li; e < BM * BK; e += WG) {
        let k = k0 + e % BK;
        let a = nextAt(base + min(o.y + e / BK, B - 1u) * G + min(k, G - 1u));
        aTile[(e / BK) * PAD + e % BK] = select(0.0, a, k < G);
      }
      for (var e = li; e < BK * UT; e += WG) {
        wTile[e] = params[off.whh + min(k0 + e / UT, G - 1u) * H + min(o.x + e % UT, H - 1u)];
      }
      workgroupBarrier();
      for (var k = me.s; k < BK; k += KS) {
        let w = wTile[k * UT + me.u];
        let a = me.r * PAD + k;
        a0 += aTile[a] * w;
        if (TM > 1u) { a1 += aTile[a + PAD] * w; }
        if (TM > 2u) { a2 += aTile[a + 2u * PAD] * w; }
        if (TM > 3u) { a3 += aTile[a + 3u * PAD] * w; }
      }
      workgroupBarrier();
    }
  }
  let acc = array<f32, 4>(a0, a1, a2, a3);
  for (var m = 0u; m < TM; m++) { partial[(me.s * BM + me.r + m) * UT + me.u] = acc[m]; }
  workgroupBarrier();
  for (var e = li; e < BM * UT; e += WG) {
    let b = o.y + e / UT;
    let u = o.x + e % UT;
    if (b < B && u < H) {
      var fromNext = partial[e];
      for (var s = 1u; s < KS; s++) { fromNext += partial[s * BM * UT + e]; }
      gateGrads(t, t * B + b, u, fromNext);
    }
  }
}
