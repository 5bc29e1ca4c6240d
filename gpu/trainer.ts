// The trainer: a model on the GPU, its optimizer, and the metrics history. `step` uploads a batch and
// submits one command buffer; it never waits for the GPU. Metrics (loss, gradient norm, skipped
// steps) arrive through `onMetrics` every `metricsEvery` steps.

import type { GpuContext } from './context.ts';
import type { ModelConfig } from './model/config.ts';
import { initParams } from './model/params.ts';
import { RecurrentGpu, type InitialState } from './models/recurrent.ts';
import { OptimizerKernels } from './kernels/optimizer.ts';
import { MetricsHistory, type MetricsWindow } from './readback.ts';
import { encodeGradientPass, encodeTrainingStep } from './scheduler.ts';
import { optimizer, type OptimizerConfig } from './optim/config.ts';
import type { Batch } from './data/batch.ts';

export interface TrainerOptions {
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

/** The optimizer's state as torch keeps it, for checkpoints: a resumed run continues exactly. */
export interface OptimizerSnapshot {
  step: number;
  skippedTotal: number;
  /** Adam's exp_avg / SGD's momentum_buffer, flat layout. */
  m: Float32Array;
  /** Adam's exp_avg_sq (empty for SGD). */
  v: Float32Array;
}

export class Trainer {
  readonly model: RecurrentGpu;
  readonly optimizer: OptimizerConfig;
  private kernels: OptimizerKernels;
  private history: MetricsHistory;
  private owned: GPUBuffer[];
  /** Training steps submitted so far (skipped ones included). */
  steps = 0;

  constructor(
    readonly ctx: GpuContext,
    opts: TrainerOptions,
  ) {
    this.optimizer = optimizer(opts.optimizer);
    const { value, buffers } = ctx.owning(() => {
      const model = new RecurrentGpu(ctx, opts.model, opts.T, opts.B);
      const { params, grads, metrics } = model.buffers;
      const kernels = new OptimizerKernels(ctx, this.optimizer, model.layout.total, { params, grads, metrics });
      const history = new MetricsHistory(ctx, opts.metricsEvery ?? 10, (w) => opts.onMetrics?.(w));
      return { model, kernels, history };
    });
    ({ model: this.model, kernels: this.kernels, history: this.history } = value);
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

  /** Delivers the metrics of steps not yet reported and waits for every readback. */
  async flushMetrics(): Promise<void> {
    if (this.steps > 0) this.history.flush(this.steps - 1);
    await this.history.settle();
  }

  /** Dispatches in one training step (forward, loss, backward, gradient norm, optimizer). */
  get dispatchesPerStep(): number {
    return this.model.dispatchCount + this.kernels.dispatchCount;
  }

  get droppedMetrics(): number {
    return this.history.dropped;
  }

  readParams(): Promise<Float32Array> {
    return readBuffer(this.ctx, this.model.buffers.params, this.model.layout.total);
  }

  readGrads(): Promise<Float32Array> {
    return readBuffer(this.ctx, this.model.buffers.grads, this.model.layout.total);
  }

  async readOptimizerState(): Promise<OptimizerSnapshot> {
    const n = this.model.layout.total;
    const state = new Uint32Array((await readBuffer(this.ctx, this.kernels.state, 3)).buffer);
    return {
      step: state[0],
      skippedTotal: state[2],
      m: await readBuffer(this.ctx, this.kernels.m, n),
      v: this.optimizer.kind === 'sgd' ? new Float32Array(0) : await readBuffer(this.ctx, this.kernels.v, n),
    };
  }

  /**
   * Weights and optimizer state copied in one command buffer, so both belong to the same step even
   * while training continues (two separate reads could straddle a step). For checkpoints.
   */
  async readCheckpoint(): Promise<{ step: number; params: Float32Array; optimizer: OptimizerSnapshot }> {
    const step = this.steps;
    return { step, ...(await this.kernels.readWithParams(this.ctx, this.model.buffers.params)) };
  }

  /** Puts back the optimizer's moments and step count (Adam's bias corrections go on from there). */
  setOptimizerState(s: OptimizerSnapshot): void {
    this.kernels.writeState(this.ctx, s);
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
