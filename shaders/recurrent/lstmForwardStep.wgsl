// The LSTM's tile in the per-step forward kernel (forwardStep.wgsl): invocation (u0, b0) computes the
// four gates of units u0..u0+3 for TB batch rows, so per j it loads 16 weights and TB states for
// 16·TB multiply-adds (the former 4 rows × 4 gates did 16 per 8 loads). Its update: lstmCell.wgsl.

const UNITS: u32 = 4u;

/** Pre-activations of the four gates of four consecutive units. */
struct Row { i: vec4<f32>, f: vec4<f32>, g: vec4<f32>, o: vec4<f32> }
/** Where a Row's values sit in params: one vec4 per gate block, `stride` apart. */
struct RowIndex { i: vec4<u32>, f: vec4<u32>, g: vec4<u32>, o: vec4<u32> }

fn gateBlocks(first: vec4<u32>, stride: u32) -> RowIndex { return RowIndex(first, first + stride, first + 2u * stride, first + 3u * stride); }
/** W_hh rows of the gates of units u0..u0+3: gate blocks H·H apart. */
fn weights(u0: u32) -> RowIndex { return gateBlocks(off.whh + clamp4(u0, H - 1u) * H, H * H); }
fn biasRow(u0: u32) -> Row { return loadRow(gateBlocks(off.bhh + clamp4(u0, H - 1u), H), 0u); }
fn loadRow(i: RowIndex, j: u32) -> Row { return Row(ldw(i.i, j), ldw(i.f, j), ldw(i.g, j), ldw(i.o, j)); }
fn axpy(r: Row, a: f32, w: Row) -> Row { return Row(r.i + a * w.i, r.f + a * w.f, r.g + a * w.g, r.o + a * w.o); }
fn gatesOf(r: Row, c: u32) -> vec4<f32> { return vec4<f32>(r.i[c], r.f[c], r.g[c], r.o[c]); }
