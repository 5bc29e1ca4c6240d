// out[n] = scale * Σ_r A[r, n]: bias gradients (column sums of δ or dlogits) and the mean loss.
// TWICE also writes the sums at offOut2: an LSTM's or Elman RNN's b_ih and b_hh get the same
// gradient, summed once.
// Four lanes per column each sum a fixed stride of rows, then lane 0 adds the four partials in
// order: deterministic, no float atomics.

override TWICE: bool = false;

const COLS: u32 = 64u;
const LANES: u32 = 4u;

struct Dims { rows: u32, cols: u32, offA: u32, offOut: u32, scale: f32, offOut2: u32 }

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> part: array<f32, 256>; // [LANES][COLS]

@compute @workgroup_size(64, 4)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let n = wid.x * COLS + lid.x;
  var s = 0.0;
  if (n < d.cols) {
    for (var r = lid.y; r < d.rows; r += LANES) { s += A[d.offA + r * d.cols + n]; }
  }
  part[lid.y * COLS + lid.x] = s;
  workgroupBarrier();
  if (lid.y == 0u && n < d.cols) {
    let total = ((part[lid.x] + part[COLS + lid.x]) + part[2u * COLS + lid.x]) + part[3u * COLS + lid.x];
    out[d.offOut + n] = total * d.scale;
    if (TWICE) { out[d.offOut2 + n] = total * d.scale; }
  }
}
