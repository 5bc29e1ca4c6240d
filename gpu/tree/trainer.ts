// The tree trainer: a TreeGpu model, the shared optimizer kernels (gradient norm, clipping, SGD /
// Adam / AdamW over the flat buffers) and the metrics history. `step` uploads a batch of trees and
// submits one command buffer: forward by levels, head and loss, backward by levels, weight
// gradients, optimizer. It never waits for the GPU; losses arrive through `onMetrics`.

import type { GpuContext } from '../core/context.ts';
import type { MetricsWindow } from '../training/metrics.ts';
import type { OptimizerConfig } from '../optimizer/config.ts';
import { Trainer } from '../training/trainer.ts';
import { readBuffer } from '../core/readBuffer.ts';
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

export class TreeTrainer extends Trainer<TreeGpu> {
  constructor(ctx: GpuContext, opts: TreeTrainerOptions) {
    super(ctx, opts, () => new TreeGpu(ctx, opts.model, opts.capacity, opts.schedule), opts.params ?? initTreeParams(opts.model, opts.seed ?? 0));
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
