// Softmax cross-entropy of one row of n logits (recurrent/softmaxXent.wgsl, tree/treeLoss.wgsl): a
// stable log-sum-exp, the row's loss (lse − logit_y) · scale and dlogits = (softmax − onehot_y) · scale,
// all in one pass over the logits.

@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>;

fn crossEntropy(row: u32, n: u32, y: u32, scale: f32) {
  let base = row * n;
  var m = logits[base];
  for (var o = 1u; o < n; o++) { m = max(m, logits[base + o]); }
  var s = 0.0;
  for (var o = 0u; o < n; o++) { s += exp(logits[base + o] - m); }
  let lse = m + log(s);
  rowLoss[row] = (lse - logits[base + y]) * scale;
  for (var o = 0u; o < n; o++) {
    dlogits[base + o] = (exp(logits[base + o] - lse) - select(0.0, 1.0, o == y)) * scale;
  }
}

/** A row outside the loss: zero loss and gradient (its target is not read). */
fn noLoss(row: u32, n: u32) {
  rowLoss[row] = 0.0;
  for (var o = 0u; o < n; o++) { dlogits[row * n + o] = 0.0; }
}
