enable subgroups;

// How a tile's K slices meet (tile.wgsl) with subgroups: the slice index is the fastest part of the
// invocation index, so a (rows, unit)'s KS slices sit in KS consecutive invocations of one subgroup
// (KS ≤ the adapter's smallest subgroup), and a butterfly of subgroupShuffleXor adds them in
// registers: no workgroup memory, no barrier. Addition commutes exactly, so every lane of the group
// holds the same total; lane s emits the rows m with m % KS = s.

fn lane(li: u32) -> Lane { return Lane((li / KS) % UT, ((li / (KS * UT)) % (BM / TM)) * TM, li % KS); }

fn finishTile(t: u32, o: vec2<u32>, me: Lane, li: u32, acc: array<Sum, 4>) {
  var sums = acc;
  for (var m = 0u; m < TM; m++) {
    var v = sums[m];
    for (var x = 1u; x < KS; x *= 2u) { v += subgroupShuffleXor(v, x); }
    sums[m] = v;
  }
  let u = o.x + me.u;
  for (var m = me.s; m < TM; m += KS) {
    let b = o.y + me.r + m;
    if (b < B && u < H) { emit(t, b, u, sums[m]); }
  }
}
