// The GRU's tile in the per-step forward kernel (forwardStep.wgsl): invocation (u0, b0) computes the
// three gates of units u0..u0+3 for TB batch rows, so per j it loads 12 weights and TB states for
// 12·TB multiply-adds. Its update: gruCell.wgsl.

const UNITS: u32 = 4u;

/** Hidden-side pre-activations of the three gates of four consecutive units. */
struct Row { r: vec4<f32>, z: vec4<f32>, n: vec4<f32> }
/** Where a Row's values sit in params: one vec4 per gate block, `stride` apart. */
struct RowIndex { r: vec4<u32>, z: vec4<u32>, n: vec4<u32> }

fn gateBlocks(first: vec4<u32>, stride: u32) -> RowIndex { return RowIndex(first, first + stride, first + 2u * stride); }
/** W_hh rows of the gates of units u0..u0+3: gate blocks H·H apart. */
fn weights(u0: u32) -> RowIndex { return gateBlocks(off.whh + clamp4(u0, H - 1u) * H, H * H); }
fn biasRow(u0: u32) -> Row { return loadRow(gateBlocks(off.bhh + clamp4(u0, H - 1u), H), 0u); }
fn loadRow(i: RowIndex, j: u32) -> Row { return Row(ldw(i.r, j), ldw(i.z, j), ldw(i.n, j)); }
fn axpy(r: Row, a: f32, w: Row) -> Row { return Row(r.r + a * w.r, r.z + a * w.z, r.n + a * w.n); }
fn gatesOf(r: Row, c: u32) -> vec3<f32> { return vec3<f32>(r.r[c], r.z[c], r.n[c]); }
