// A Row: 16 consecutive units of one batch row, the accumulator of the Elman RNN's forward tile
// (rnnForwardStep.wgsl) and of every backward step (backwardStep.wgsl). Named vec4 fields, not an
// array: indexed arrays fell out of registers (common/gemm.wgsl).

struct Row { c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32> }

/** Where a Row's 16 values sit in params. */
struct RowIndex { c0: vec4<u32>, c1: vec4<u32>, c2: vec4<u32>, c3: vec4<u32> }

/** Units u = u0..u0+15 (clamped) at base + u·stride: a row of W_hh per unit (stride H), or a column (stride 1). */
fn rowIndex(base: u32, u0: u32, stride: u32) -> RowIndex {
  return RowIndex(base + clamp4(u0, H - 1u) * stride, base + clamp4(u0 + 4u, H - 1u) * stride, base + clamp4(u0 + 8u, H - 1u) * stride, base + clamp4(u0 + 12u, H - 1u) * stride);
}
fn loadRow(i: RowIndex, j: u32) -> Row { return Row(ldw(i.c0, j), ldw(i.c1, j), ldw(i.c2, j), ldw(i.c3, j)); }
fn axpy(r: Row, a: f32, w: Row) -> Row { return Row(r.c0 + a * w.c0, r.c1 + a * w.c1, r.c2 + a * w.c2, r.c3 + a * w.c3); }
/** Unit c (0..15) of the row. */
fn pick(r: Row, c: u32) -> f32 {
  let v = select(select(r.c0, r.c1, c >= 4u), select(r.c2, r.c3, c >= 12u), c >= 8u);
  return v[c % 4u];
}
