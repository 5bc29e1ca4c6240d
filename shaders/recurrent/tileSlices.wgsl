// How a tile's K slices meet (tile.wgsl), without subgroups: the slice index is the slowest part of
// the invocation index, and each invocation's sums go through workgroup memory, where after a
// barrier the whole workgroup adds the KS slices of each (row, unit), slice 0 first, and emits it.

var<workgroup> partial: array<Sum, KS * BM * UT>; // each slice's sums, [KS][BM][UT]

fn lane(li: u32) -> Lane { return Lane(li % UT, ((li / UT) % (BM / TM)) * TM, li / (UT * (BM / TM))); }

/** Emits every (row, unit) of the tile from the TM sums `acc` of each invocation. Call from uniform control flow. */
fn finishTile(t: u32, o: vec2<u32>, me: Lane, li: u32, acc: array<Sum, 4>) {
  for (var m = 0u; m < TM; m++) { partial[(me.s * BM + me.r + m) * UT + me.u] = acc[m]; }
  workgroupBarrier();
  for (var e = li; e < BM * UT; e += WG) {
    let b = o.y + e / UT;
    let u = o.x + e % UT;
    if (b < B && u < H) {
      var total = partial[e];
      for (var s = 1u; s < KS; s++) { total += partial[s * BM * UT + e]; }
      emit(t, b, u, total);
    }
  }
}
