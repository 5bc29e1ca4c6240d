// The scheduler: one training step as one command buffer and one queue.submit.
// Order: projection → T forward steps → head + loss → head backward → T backward steps →
// weight gradients → optimizer, all in one compute pass, then the loss copied into its history slot.

import type { RecurrentGpu } from './models/recurrent.ts';
import { encode } from './kernels/dispatch.ts';
import type { AdamKernel } from './kernels/adam.ts';
import type { LossHistory } from './readback.ts';

export function encodeGradientPass(pass: GPUComputePassEncoder, model: RecurrentGpu): void {
  model.encodeForward(pass);
  model.encodeHead(pass);
  model.encodeBackward(pass);
}

export function encodeTrainingStep(
  device: GPUDevice,
  model: RecurrentGpu,
  optimizer: AdamKernel | null,
  history: LossHistory | null,
  step: number,
): GPUCommandBuffer {
  const encoder = device.createCommandEncoder({ label: `step ${step}` });
  const pass = encoder.beginComputePass({ label: 'train' });
  encodeGradientPass(pass, model);
  if (optimizer) encode(pass, optimizer.dispatch);
  pass.end();
  history?.encodeRecord(encoder, model.buffers.loss, step);
  return encoder.finish();
}
