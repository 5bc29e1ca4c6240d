// The rows of a recurrent model's loss (softmaxXent.wgsl, mseLoss.wgsl): time steps (r = t·B + b,
// PER_STEP) or whole sequences (a loss on each sequence's final state). A step past its sequence's
// length is padding: it gets zero loss and zero gradient, and its target is not read.

override O: u32;
override B: u32;
override PER_STEP: bool = true;

@group(0) @binding(5) var<storage, read> lengths: array<u32>;
@group(0) @binding(6) var<uniform> batch: BatchInfo;

fn isPadding(row: u32) -> bool { return PER_STEP && row / B >= lengths[row % B]; }
