// Sequence classification reads each sequence's final state: the state after its last real step.
// `gather`: hFinal[b] = hs[block lengths[b], row b].
// `scatter`: the gradient of hFinal goes back to step lengths[b] − 1 of dh; every other row gets 0,
// so this one dispatch writes all of dh.

// A bidirectional model's final states sit side by side, [B, 2H]: each direction gathers into (and
// scatters from) its half, WIDTH = 2H wide at column OFF (its state in its own order, directions.wgsl).

override H: u32;
override B: u32;
override WIDTH: u32;
override OFF: u32;

@group(0) @binding(0) var<storage, read> lengths: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(64)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b = gid.y;
  if (i >= H) { return; }
  dst[b * WIDTH + OFF + i] = src[(lengths[b] * B + b) * H + i];
}

/** dst[lengths[b] − 1, b] += src[b]: a gradient of each sequence's final state added to the step it came from (one row per b). */
@compute @workgroup_size(64)
fn addAtFinal(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b = gid.y;
  if (i >= H || lengths[b] == 0u) { return; }
  dst[((lengths[b] - 1u) * B + b) * H + i] += src[b * WIDTH + OFF + i];
}

@compute @workgroup_size(64)
fn scatter(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let row = gid.y; // t * B + b
  if (i >= H) { return; }
  let b = row % B;
  dst[row * H + i] = select(0.0, src[b * WIDTH + OFF + i], row / B + 1u == lengths[b]);
}
