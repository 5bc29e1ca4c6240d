// Squared error (PyTorch's MSELoss, mean over real rows and outputs), one invocation per row
// (common/rowLoss.wgsl): rowLoss = Σ_o (ŷ − y)² · scale and dŷ = 2 (ŷ − y) · scale, with scale =
// 1 / (N·O) per batch. Padding rows (lossRows.wgsl) get zero loss and gradient.

@group(0) @binding(1) var<storage, read> pred: array<f32>;
@group(0) @binding(2) var<storage, read> want: array<f32>;
@group(0) @binding(4) var<storage, read_write> dpred: array<f32>;

fn lossRow(row: u32) {
  let base = row * O;
  let valid = !isPadding(row);
  var s = 0.0;
  for (var o = 0u; o < O; o++) {
    var e = 0.0;
    if (valid) { e = pred[base + o] - want[base + o]; }
    s += e * e;
    dpred[base + o] = 2.0 * e * batch.lossScale;
  }
  rowLoss[row] = s * batch.lossScale;
}
