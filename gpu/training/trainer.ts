// What every trainer shares, whatever its model (a recurrent stack, a tree network): the model's flat
// parameter, gradient and metrics buffers, the optimizer kernels over them, the metrics history and
// the step count; weights and optimizer state in and out. A trainer builds its model and encodes its
// steps (gpu/recurrent/trainer.ts, gpu/tree/trainer.ts).

import type { GpuContext } from '../core/context.ts';
import { OptimizerKernels } from '../optimizer/kernels.ts';
import { MetricsHistory, type MetricsWindow } from './metrics.ts';
import { optimizer, type OptimizerConfig } from '../optimizer/config.ts';
import type { OptimizerSnapshot } from '../optimizer/state.ts';
import { readBuffer } from '../core/readBuffer.ts';

/** A model in the flat layout the optimizer works on. */
export interface FlatModel {
  layout: { total: number };
  buffers: { params: GPUBuffer; grads: GPUBuffer; metrics: GPUBuffer };
  dispatchCount: number;
}

export interface TrainerOptions {
  /** torch.optim settings and clip_grad_norm_'s max norm; default Adam, lr 1e-3, no clipping. */
  optimizer?: Partial<OptimizerConfig>;
  metricsEvery?: number;
  onMetrics?: (w: MetricsWindow) => void;
}

export abstract class Trainer<M extends FlatModel> {
  readonly model: M;
  readonly optimizer: OptimizerConfig;
  protected kernels: OptimizerKernels;
  protected history: MetricsHistory;
  private owned: GPUBuffer[];
  /** Training steps submitted so far (skipped ones included). */
  steps = 0;

  /** Builds the model (and everything it owns) with `build`, and starts from the weights `params`. */
  protected constructor(
    readonly ctx: GpuContext,
    opts: TrainerOptions,
    build: () => M,
    params: Float32Array,
  ) {
    this.optimizer = optimizer(opts.optimizer);
    const { value, buffers } = ctx.owning(() => {
      const model = build();
      const { params, grads, metrics } = model.buffers;
      const kernels = new OptimizerKernels(ctx, this.optimizer, model.layout.total, { params, grads, metrics });
      const history = new MetricsHistory(ctx, opts.metricsEvery ?? 10, (w) => opts.onMetrics?.(w));
      return { model, kernels, history };
    });
    ({ model: this.model, kernels: this.kernels, history: this.history } = value);
    this.owned = buffers;
    this.setParams(params);
  }

  /** Frees every GPU buffer this trainer made. Wait for its work (and readbacks) first. */
  destroy(): void {
    for (const b of this.owned.splice(0)) this.ctx.destroyBuffer(b);
  }

  setParams(flat: Float32Array): void {
    if (flat.length !== this.model.layout.total) throw new Error(`expected ${this.model.layout.total} parameters in the flat layout, got ${flat.length}`);
    this.ctx.device.queue.writeBuffer(this.model.buffers.params, 0, flat);
  }

  /** Delivers the metrics of steps not yet reported and waits for every readback. */
  async flushMetrics(): Promise<void> {
    if (this.steps > 0) this.history.flush(this.steps - 1);
    await this.history.settle();
  }

  /** Dispatches in one training step (the model's passes, gradient norm, optimizer). */
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

  /** The state of an optimizer that has not stepped yet: zero moments, step 0. */
  freshOptimizerState(): OptimizerSnapshot {
    const n = this.model.layout.total;
    return { step: 0, skippedTotal: 0, m: new Float32Array(n), v: new Float32Array(this.optimizer.kind === 'sgd' ? 0 : n) };
  }

  /** Weights and optimizer state together (null: a fresh optimizer), e.g. a checkpoint's or a roll-back's. */
  setState(params: Float32Array, optimizer: OptimizerSnapshot | null): void {
    this.setParams(params);
    this.setOptimizerState(optimizer ?? this.freshOptimizerState());
  }

  /** Puts back the optimizer's moments and step count (Adam's bias corrections go on from there). */
  setOptimizerState(s: OptimizerSnapshot): void {
    this.kernels.writeState(this.ctx, s);
  }
}
