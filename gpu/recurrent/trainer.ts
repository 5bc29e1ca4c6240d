// The trainer: a model on the GPU, its optimizer, and the metrics history. `step` uploads a batch and
// submits one command buffer; it never waits for the GPU. Metrics (loss, gradient norm, skipped
// steps) arrive through `onMetrics` every `metricsEvery` steps.

import type { GpuContext } from '../core/context.ts';
import type { ModelConfig } from './config.ts';
import { initParams } from './params.ts';
import { RecurrentGpu, type InitialState } from './model.ts';
import type { MetricsWindow } from '../training/metrics.ts';
import { Trainer } from '../training/trainer.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { encodeGradientPass, encodeTrainingStep } from './scheduler.ts';
import type { OptimizerConfig } from '../optimizer/config.ts';
import type { Batch } from '../data/batch.ts';
import type { StepKernels } from './stepVariants.ts';

export interface RecurrentTrainerOptions {
  model: ModelConfig;
  /** Steps per sequence (or per truncated-BPTT chunk) and sequences per batch: buffers are sized once. */
  T: number;
  B: number;
  /** torch.optim settings and clip_grad_norm_'s max norm; default Adam, lr 1e-3, no clipping. */
  optimizer?: Partial<OptimizerConfig>;
  seed?: number;
  /** Initial parameters in the flat layout; default: PyTorch's init from `seed`. */
  params?: Float32Array;
  metricsEvery?: number;
  onMetrics?: (w: MetricsWindow) => void;
  /** The step kernels (a tuner's choice, a run's record); default: the adapter's (stepVariants.ts). */
  kernels?: StepKernels;
}

export interface StepOptions {
  /** Initial states; zeros by default. */
  init?: InitialState;
  /**
   * Truncated BPTT: start from the final states of the previous step's batch (its hs at step T) instead
   * of `init`. The gradient stops at the chunk boundary, as with PyTorch's `h = h.detach()`.
   */
  carryState?: boolean;
}

export class RecurrentTrainer extends Trainer<RecurrentGpu> {
  constructor(ctx: GpuContext, opts: RecurrentTrainerOptions) {
    super(ctx, opts, () => new RecurrentGpu(ctx, opts.model, opts.T, opts.B, opts.kernels), opts.params ?? initParams(opts.model, opts.seed ?? 0));
  }

  /** One training step: forward, backward, gradient norm, optimizer; one submit, no wait. */
  step(batch: Batch, opts: StepOptions = {}): void {
    this.model.upload(batch, opts.carryState ? 'carry' : opts.init);
    const step = this.steps++;
    this.ctx.device.queue.submit([encodeTrainingStep(this.ctx.device, this.model, this.kernels, this.history, step, !!opts.carryState)]);
    this.history.mapPending();
  }

  /** Forward and backward only: leaves loss, logits and gradients in the model's buffers. */
  computeGradients(batch: Batch, opts: StepOptions | InitialState = {}): void {
    const o: StepOptions = 'carryState' in opts || 'init' in opts ? (opts as StepOptions) : { init: opts as InitialState };
    this.model.upload(batch, o.carryState ? 'carry' : o.init);
    const encoder = this.ctx.device.createCommandEncoder({ label: 'gradients' });
    if (o.carryState) this.model.encodeCarryState(encoder);
    const pass = encoder.beginComputePass();
    encodeGradientPass(pass, this.model);
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  /**
   * The loss of a batch without training on it (a validation loss). It reads back, so call it
   * between training steps, never inside one. It overwrites the gradients and the carried state.
   */
  async evaluate(batch: Batch, opts: StepOptions = {}): Promise<number> {
    this.computeGradients(batch, opts);
    return (await readBuffer(this.ctx, this.model.buffers.metrics, 1))[0];
  }
}
