// Softmax cross-entropy on the head of every node, one invocation per node (common/rowLoss.wgsl,
// common/crossEntropy.wgsl). Nodes whose target is IGNORE (no label, not a root under root-only
// heads, or past the batch) get zero loss and gradient. `lossScale` = 1 / the number of targets.

override C: u32;

const IGNORE: u32 = 0xffffffffu;

@group(0) @binding(5) var<uniform> batch: BatchInfo;

fn lossRow(row: u32) {
  let y = targets[row];
  if (y == IGNORE) { noLoss(row, C); } else { crossEntropy(row, C, y, batch.lossScale); }
}
