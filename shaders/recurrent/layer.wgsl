// What every step kernel of a recurrent layer reads (forwardStep.wgsl, forwardSeq.wgsl,
// backwardStep.wgsl): the layer's size, and where its weights sit in the flat parameter buffer (one
// uniform per layer, written once by gpu/recurrent/stepKernels.ts; the backward steps read only W_hh
// and b_hh, the forward kernels of token inputs also W_ih and b_ih).

override H: u32;
override B: u32;

struct Offsets { whh: u32, bhh: u32, wih: u32, bih: u32 }

@group(0) @binding(0) var<uniform> off: Offsets;
@group(0) @binding(1) var<storage, read> params: array<f32>;
