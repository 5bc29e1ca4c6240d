// The tree trainer: a TreeGpu model, the shared optimizer kernels (gradient norm, clipping, SGD /
// Adam / AdamW over the flat buffers) and the metrics history. `step` uploads a batch of trees and
// submits one command buffer: forward by levels, head and loss, backward by levels, weight
// gradients, optimizer. It never waits for the GPU; losses arrive through `onMetrics`.

import type { GpuContext } from '../context.ts';
import { OptimizerKernels } from '../kernels/optimizer.ts';
import { MetricsHistory, type MetricsWindow } from '../readback.ts';
import { optimizer, type OptimizerConfig } from '../optim/config.ts';
import { readBuffer, type OptimizerSnapshot } from '../trainer.ts';
import { initTreeParams, type TreeModelConfig } from './config.ts';
import { TreeGpu, type TreeSchedule } from './model.ts';
import type { TreeBatch } from './trees.ts';

export interface TreeTrainerOptions {
  model: TreeModelConfig;
  /** Nodes per batch at most (all trees together): buffers are sized once. */
  capacity: number;
  schedule?: TreeSchedule;
  optimizer?: Partial<OptimizerConfig>;
  seed?: number;
  params?: Float32Array;
  metricsEvery?: number;
  onMetrics?: (w: MetricsWindow) => void;
}

export class TreeTrainer {
  readonly model: TreeGpu;
  readonly optimizer: OptimizerConfig;
  private kernels: OptimizerKernels;
  private history: MetricsHistory;
  private owned: GPUBuffer[];
  steps = 0;

  constructor(
    readonly ctx: GpuContext,
    opts: TreeTrainerOptions,
  ) {
    this.optimizer = optimizer(opts.optimizer);
    const { value, buffers } = ctx.owning(() => {
      const model = new TreeGpu(ctx, opts.model, opts.capacity, opts.schedule);
      const { params, grads, metrics } = model.buffers;
      const kernels = new OptimizerKernels(ctx, this.optimizer, model.layout.total, { params, grads, metrics });
      const history = new MetricsHistory(ctx, opts.metricsEvery ?? 10, (w) => opts.onMetrics?.(w));
      return { model, kernels, history };
    });
    ({ model: this.model, kernels: this.kernels, history: this.history } = value);
    this.owned = buffers;
    this.setParams(opts.params ?? initTreeParams(opts.model, opts.seed ?? 0));
  }

  destroy(): void {
    for (const b of this.owned.splice(0)) this.ctx.destroyBuffer(b);
  }

  setParams(flat: Float32Array): void {
    if (flat.length !== this.model.layout.total) throw new Error(`expected ${this.model.layout.total} parameters in the flat layout, got ${flat.length}`);
    this.ctx.device.queue.writeBuffer(this.model.buffers.params, 0, flat);
  }

  /** One training step: one command buffer, one submit, no wait. */
  step(batch: TreeBatch, targets?: Int32Array): void {
    this.model.upload(batch, targets);
    const step = this.steps++;
    const encoder = this.ctx.device.createCommandEncoder({ label: `tree step ${step}` });
    const pass = this.model.encodeGradients(encoder);
    this.kernels.encode(pass);
    pass.end();
    this.history.encodeRecord(encoder, this.model.buffers.metrics, step);
    this.ctx.device.queue.submit([encoder.finish()]);
    this.history.mapPending();
  }

  /** Forward and backward only: leaves loss, states, logits and gradients in the model's buffers. */
  computeGradients(batch: TreeBatch, targets?: Int32Array): void {
    this.model.upload(batch, targets);
    const encoder = this.ctx.device.createCommandEncoder({ label: 'tree gradients' });
    this.model.encodeGradients(encoder).end();
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  /** Loss and logits [N, C] of a batch without training on it. Reads back: call between steps. */
  async evaluate(batch: TreeBatch, targets?: Int32Array): Promise<{ loss: number; logits: Float32Array }> {
    this.computeGradients(batch, targets);
    const loss = (await readBuffer(this.ctx, this.model.buffers.metrics, 1))[0];
    const logits = await readBuffer(this.ctx, this.model.buffers.logits, batch.N * this.model.cfg.classes);
    return { loss, logits };
  }

  /** Delivers the metrics of steps not yet reported (once per step count) and waits for every readback. */
  async flushMetrics(): Promise<void> {
    if (this.steps > this.flushedAt) this.history.flush(this.steps - 1);
    this.flushedAt = this.steps;
    await this.history.settle();
  }

  private flushedAt = 0;

  /** Dispatches in one training step for the uploaded batch (optimizer included). */
  get dispatchesPerStep(): number {
    return this.model.dispatchCount + this.kernels.dispatchCount;
  }

  readParams(): Promise<Float32Array> {
    return readBuffer(this.ctx, this.model.buffers.params, this.model.layout.total);
  }

  readGrads(): Promise<Float32Array> {
    return readBuffer(this.ctx, this.model.buffers.grads, this.model.layout.total);
  }

  /** Weights and optimizer state copied in one command buffer (both of the same step), for checkpoints. */
  async readCheckpoint(): Promise<{ step: number; params: Float32Array; optimizer: OptimizerSnapshot }> {
    const step = this.steps;
    return { step, ...(await this.kernels.readWithParams(this.ctx, this.model.buffers.params)) };
  }

  /** Puts back the optimizer's moments and step count (Adam's bias corrections go on from there). */
  setOptimizerState(s: OptimizerSnapshot): void {
    this.kernels.writeState(this.ctx, s);
  }
}

/** Predicted class per node (argmax of the logits). */
export function argmaxRows(logits: ArrayLike<number>, C: number): Int32Array {
  const rows = logits.length / C;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let o = 1; o < C; o++) if (logits[r * C + o] > logits[r * C + best]) best = o;
    out[r] = best;
  }
  return out;
}
