// The scheduler: one training step as one command buffer and one queue.submit.
// Order: (truncated BPTT: carry the final states into h0) → per layer: projection, T forward steps →
// head + loss → head backward → per layer from the top: T backward steps, weight gradients →
// gradient norm → optimizer, all in one compute pass; then the step's metrics into their history slot.

import type { RecurrentGpu } from './model.ts';
import type { OptimizerKernels } from '../optimizer/kernels.ts';
import type { MetricsHistory } from '../training/metrics.ts';

export function encodeGradientPass(pass: GPUComputePassEncoder, model: RecurrentGpu): void {
  model.encodeForward(pass);
  model.encodeHead(pass);
  model.encodeBackward(pass);
}

export function encodeTrainingStep(
  device: GPUDevice,
  model: RecurrentGpu,
  optimizer: OptimizerKernels,
  history: MetricsHistory | null,
  step: number,
  carryState: boolean,
): GPUCommandBuffer {
  const encoder = device.createCommandEncoder({ label: `step ${step}` });
  if (carryState) model.encodeCarryState(encoder);
  const pass = encoder.beginComputePass({ label: 'train' });
  encodeGradientPass(pass, model);
  optimizer.encode(pass);
  pass.end();
  history?.encodeRecord(encoder, model.buffers.metrics, step);
  return encoder.finish();
}
