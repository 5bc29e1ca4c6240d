// What the GPU-shaped step kernels share (forwardTile.wgsl, backwardTile.wgsl): the workgroup's tile
// of the step's small GEMM and how its invocations split it. Workgroup w owns BM batch rows × UT
// units; invocation (s, g, u) sums TM rows of unit u over every KS-th k of each BK-wide slice of K
// that the workgroup stages in workgroup memory (loaded together, consecutive invocations reading
// consecutive addresses). KS > 1 splits K when the batch is too small to fill the workgroup with
// rows; the KS partial sums meet (tileSlices.wgsl: in workgroup memory; tileSlicesSubgroup.wgsl: in
// registers, by subgroup shuffles) and the cell's update, fused in the same kernel, runs on their
// total, added in a fixed order. The kernel supplies rowAt (the left operand, [B, K] row-major: h_{t-1}
// or dA_{t+1}), Sum (what one invocation adds up for one row) and emit (the fused update of one row
// and unit from its total). WG = (BM / TM) · UT · KS;
// gpu/recurrent/stepVariants.ts picks the shape (gpuTile) or the tuner does.

override BM: u32 = 16u; // batch rows per workgroup
override UT: u32 = 16u; // units per workgroup
override TM: u32 = 4u;  // batch rows per invocation, 1..4
override KS: u32 = 1u;  // slices of K per workgroup

const BK: u32 = 32u;      // the K slice staged at a time
const PAD: u32 = BK + 1u; // row stride of a staged [rows][BK] tile: consecutive rows in different banks

/** This invocation's place in the tile: unit u (0..UT-1), first row r (a multiple of TM), K slice s. */
struct Lane { u: u32, r: u32, s: u32 }

/** The workgroup's first unit and first batch row. */
fn tileOrigin(wid: u32) -> vec2<u32> {
  let unitTiles = (H + UT - 1u) / UT;
  return vec2<u32>((wid % unitTiles) * UT, (wid / unitTiles) * BM);
}

var<workgroup> rowTile: array<f32, BM * PAD>; // the tile's rows of the left operand, [BM][BK]

/** Stages columns k0..k0+BK-1 of the tile's rows of the [B, K] matrix at `base` (rowAt) in rowTile; zeros past K. */
fn stageRows(li: u32, firstRow: u32, base: u32, k0: u32, K: u32) {
  for (var e = li; e < BM * BK; e += WG) {
    let k = k0 + e % BK;
    let v = rowAt(base + min(firstRow + e / BK, B - 1u) * K + min(k, K - 1u));
    rowTile[(e / BK) * PAD + e % BK] = select(0.0, v, k < K);
  }
}
