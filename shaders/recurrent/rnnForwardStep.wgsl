// The Elman RNN's tile in the per-step forward kernel (forwardStep.wgsl): invocation (u0, b0)
// computes units u0..u0+15 (a Row, unitRow.wgsl) of TB batch rows, so per j it loads 16 weights and
// TB states for 16·TB multiply-adds (the former 4 rows × 1 unit did 4 per 5 loads). Its update:
// rnnCell.wgsl.

const UNITS: u32 = 16u;

/** W_hh rows of units u0..u0+15. */
fn weights(u0: u32) -> RowIndex { return rowIndex(off.whh, u0, H); }
fn biasRow(u0: u32) -> Row { return loadRow(rowIndex(off.bhh, u0, 1u), 0u); }
fn gatesOf(r: Row, c: u32) -> f32 { return pick(r, c); }
