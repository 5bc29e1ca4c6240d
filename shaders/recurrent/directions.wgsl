// Joining the two directions of a bidirectional layer (gpu/recurrent/directions.ts).
//
// The reverse direction runs the same step kernels as the forward one, on its data in mirrored order:
// row r = t*B + b of it holds step lengths[b] − 1 − t of sequence b. So its time index runs backwards
// over each sequence's real steps only (as PyTorch's packed sequences), its padding stays at t ≥
// lengths[b] where the step kernels already carry the state, and mirroring is a row permutation that is
// its own inverse. Rows past a sequence's end are padding in both orders: written as 0, never read.
//
// Elements are numbered over all rows × columns (one invocation each), spread over x and y so that no
// grid dimension passes its limit.

override B: u32;
/** Columns of the narrow side (a direction's [rows, C] buffer) and of the wide side ([rows, WIDE]). */
override C: u32;
override WIDE: u32;
/** Column of the wide side where the narrow block sits (0 or H). */
override OFF: u32 = 0u;
/** Rows to skip in the narrow source: B to read a direction's states h_1..h_T (blocks 1..T of hs). */
override SHIFT: u32 = 0u;
/** Whether the narrow side is in mirrored order. */
override MIRROR: bool = false;
/** Total rows: T*B. */
override ROWS: u32;

@group(0) @binding(0) var<storage, read> lengths: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

/** Row r's partner in the other order (r itself unless MIRROR), or ROWS for padding. */
fn partner(r: u32) -> u32 {
  let t = r / B;
  let b = r % B;
  let n = lengths[b];
  if (t >= n) { return ROWS; }
  return select(r, (n - 1u - t) * B + b, MIRROR);
}

fn element(gid: vec3<u32>, groups: vec3<u32>) -> u32 { return gid.x + gid.y * groups.x * 64u; }

/** dst[r, OFF + i] (wide) = src[partner(r) + SHIFT, i] (narrow): a direction's outputs into the layer's. */
@compute @workgroup_size(64)
fn toWide(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let e = element(gid, groups);
  if (e >= ROWS * C) { return; }
  let r = e / C;
  let i = e % C;
  let p = partner(r);
  dst[r * WIDE + OFF + i] = select(0.0, src[(min(p, ROWS - 1u) + SHIFT) * C + i], p < ROWS);
}

/** dst[r, i] (narrow) = src[partner(r), OFF + i] (wide): the layer's output gradient into a direction's. */
@compute @workgroup_size(64)
fn fromWide(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let e = element(gid, groups);
  if (e >= ROWS * C) { return; }
  let r = e / C;
  let i = e % C;
  let p = partner(r);
  dst[r * C + i] = select(0.0, src[min(p, ROWS - 1u) * WIDE + OFF + i], p < ROWS);
}

/** dst[r, i] += src[partner(r), i], real rows only (C = WIDE): the reverse direction's input gradient added back in step order. */
@compute @workgroup_size(64)
fn addMirrored(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let e = element(gid, groups);
  if (e >= ROWS * C) { return; }
  let r = e / C;
  let p = partner(r);
  if (p < ROWS) { dst[e] += src[p * C + e % C]; }
}
