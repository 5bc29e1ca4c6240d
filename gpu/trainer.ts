// The trainer: a model on the GPU, Adam, and the loss history. `step` uploads a batch and submits
// one command buffer; it never waits for the GPU. Losses arrive through `onLoss` every `lossEvery` steps.

import type { GpuContext } from './context.ts';
import type { ModelConfig } from './model/config.ts';
import { initParams } from './model/params.ts';
import { RecurrentGpu } from './models/recurrent.ts';
import { AdamKernel } from './kernels/adam.ts';
import { LossHistory, type LossWindow } from './readback.ts';
import { encodeGradientPass, encodeTrainingStep } from './scheduler.ts';
import { ADAM_DEFAULTS, type AdamHyper } from './reference/optim.ts';
import type { Batch } from './data/batch.ts';

export interface TrainerOptions {
  model: ModelConfig;
  /** Steps per sequence and sequences per batch: buffers are sized for them once. */
  T: number;
  B: number;
  adam?: Partial<AdamHyper>;
  seed?: number;
  /** Initial parameters in the flat layout; default: PyTorch's init from `seed`. */
  params?: Float32Array;
  lossEvery?: number;
  onLoss?: (w: LossWindow) => void;
}

export class Trainer {
  readonly model: RecurrentGpu;
  readonly adam: AdamHyper;
  readonly moments: { m: GPUBuffer; v: GPUBuffer };
  private optimizer: AdamKernel;
  private history: LossHistory;
  private owned: GPUBuffer[];
  /** Optimizer steps taken so far (torch's state['step']). */
  steps = 0;

  constructor(
    readonly ctx: GpuContext,
    opts: TrainerOptions,
  ) {
    this.adam = { ...ADAM_DEFAULTS, ...opts.adam };
    const { value, buffers } = ctx.owning(() => {
      const model = new RecurrentGpu(ctx, opts.model, opts.T, opts.B);
      const n = model.layout.total;
      const f32 = 4;
      const moments = { m: ctx.storage('adam.m', n * f32), v: ctx.storage('adam.v', n * f32) };
      const optimizer = new AdamKernel(ctx, n, { params: model.buffers.params, grads: model.buffers.grads, ...moments });
      const history = new LossHistory(ctx, opts.lossEvery ?? 10, (w) => opts.onLoss?.(w));
      return { model, moments, optimizer, history };
    });
    ({ model: this.model, moments: this.moments, optimizer: this.optimizer, history: this.history } = value);
    this.owned = buffers;
    this.setParams(opts.params ?? initParams(opts.model, opts.seed ?? 0));
  }

  /** Frees every GPU buffer this trainer made. Wait for its work (and readbacks) first. */
  destroy(): void {
    for (const b of this.owned.splice(0)) this.ctx.destroyBuffer(b);
  }

  setParams(flat: Float32Array): void {
    if (flat.length !== this.model.layout.total)
      throw new Error(`expected ${this.model.layout.total} parameters in the flat layout, got ${flat.length}`);
    this.ctx.device.queue.writeBuffer(this.model.buffers.params, 0, flat);
  }

  /** One training step: forward, backward, Adam; one submit, no wait. */
  step(batch: Batch): void {
    this.model.upload(batch);
    const step = this.steps++;
    this.optimizer.writeHyper(this.adam, step + 1);
    this.ctx.device.queue.submit([encodeTrainingStep(this.ctx.device, this.model, this.optimizer, this.history, step)]);
    this.history.mapPending();
  }

  /** Forward and backward only: leaves loss, logits and gradients in the model's buffers. */
  computeGradients(batch: Batch): void {
    this.model.upload(batch);
    const encoder = this.ctx.device.createCommandEncoder({ label: 'gradients' });
    const pass = encoder.beginComputePass();
    encodeGradientPass(pass, this.model);
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  /** Delivers the losses of steps not yet reported and waits for every readback. */
  async flushLosses(): Promise<void> {
    if (this.steps > 0) this.history.flush(this.steps - 1);
    await this.history.settle();
  }

  get droppedLosses(): number {
    return this.history.dropped;
  }

  readParams(): Promise<Float32Array> {
    return readBuffer(this.ctx, this.model.buffers.params, this.model.layout.total);
  }

  readGrads(): Promise<Float32Array> {
    return readBuffer(this.ctx, this.model.buffers.grads, this.model.layout.total);
  }
}

/** Copies the first `count` floats of a buffer to the CPU. For tests, tools and checkpoints, never inside a step. */
export async function readBuffer(ctx: GpuContext, buffer: GPUBuffer, count: number): Promise<Float32Array> {
  const bytes = count * 4;
  const staging = ctx.device.createBuffer({ size: Math.max(4, bytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = ctx.device.createCommandEncoder({ label: 'readBuffer' });
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
  ctx.device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0, bytes));
  staging.destroy();
  return out;
}
