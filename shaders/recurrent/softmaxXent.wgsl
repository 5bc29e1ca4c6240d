// Softmax cross-entropy of a recurrent model's outputs, one invocation per row (common/rowLoss.wgsl,
// common/crossEntropy.wgsl): class targets per step ('ce') or per sequence ('class'); padding rows
// (lossRows.wgsl) get zero loss and gradient.

fn lossRow(row: u32) {
  if (isPadding(row)) { noLoss(row, O); } else { crossEntropy(row, O, targets[row], batch.lossScale); }
}
