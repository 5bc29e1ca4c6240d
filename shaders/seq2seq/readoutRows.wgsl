// Elementwise steps of the seq2seq readout (gpu/seq2seq/readoutGpu.ts) over a block of rows
// r = t·B + b, real when t < lengths[b], COLS columns each; one invocation per element.
//   copyRows: dst[r·DST_STRIDE + DST_OFF + i] = src[SRC_OFF + r·SRC_STRIDE + i]   (masked copy)
//   tanhRows: dst[r, i] = tanh(dst[r, i])    (in place)     h̃ = tanh(W_c [c; s] + b_c)
//   tanhGrad: dst[r, i] *= 1 − src[r, i]²    (in place)     da = dh̃ ⊙ (1 − h̃²)
//   zeroRows: dst[r, i] = 0                                 ∂L/∂e with attention 'none'
// Padded rows are written 0 and their source is never read: the GEMMs after these contract over
// every row, so a NaN left in a padded row would reach every weight gradient as 0·NaN.

override B: u32;
override COLS: u32;
override SRC_OFF: u32 = 0u;
override SRC_STRIDE: u32 = COLS;
override DST_OFF: u32 = 0u;
override DST_STRIDE: u32 = COLS;

@group(0) @binding(0) var<storage, read> lengths: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

fn isReal(r: u32) -> bool { return r / B < lengths[r % B]; }
fn at(r: u32, i: u32) -> u32 { return r * DST_STRIDE + DST_OFF + i; }

@compute @workgroup_size(64)
fn copyRows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let r = gid.y;
  if (i >= COLS) { return; }
  var v = 0.0;
  if (isReal(r)) { v = src[SRC_OFF + r * SRC_STRIDE + i]; }
  dst[at(r, i)] = v;
}

@compute @workgroup_size(64)
fn tanhRows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let r = gid.y;
  if (i >= COLS) { return; }
  var v = 0.0;
  if (isReal(r)) { v = tanhBounded(dst[at(r, i)]); }
  dst[at(r, i)] = v;
}

@compute @workgroup_size(64)
fn tanhGrad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let r = gid.y;
  if (i >= COLS) { return; }
  var v = 0.0;
  if (isReal(r)) {
    let h = src[SRC_OFF + r * SRC_STRIDE + i];
    v = dst[at(r, i)] * (1.0 - h * h);
  }
  dst[at(r, i)] = v;
}

@compute @workgroup_size(64)
fn zeroRows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i < COLS) { dst[at(gid.y, i)] = 0.0; }
}
