// The encoder-decoder's trainer: the model on the GPU, its optimizer and metrics history (the shared
// Trainer), one command buffer and one submit per step, no wait. Validation decodes on the CPU from
// weights read back between steps (decode.ts), never inside one.

import type { GpuContext } from '../core/context.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { Trainer, type TrainerOptions } from '../training/trainer.ts';
import type { Seq2SeqConfig } from './config.ts';
import { initParams } from './params.ts';
import { Seq2SeqGpu, type Seq2SeqKernels } from './model.ts';
import type { PairBatch } from './pairs.ts';

export interface Seq2SeqTrainerOptions extends TrainerOptions {
  model: Seq2SeqConfig;
  /** Source steps, target steps (with <eos>) and pairs per batch: buffers are sized once. */
  S: number;
  U: number;
  B: number;
  seed?: number;
  /** Initial parameters in the flat layout; default: params.ts's init from `seed`. */
  params?: Float32Array;
  kernels?: Partial<Seq2SeqKernels>;
  /** Train with teacher-forcing masks that hold 0s (a ratio below 1): the decoder can feed back its predictions. */
  freeRunning?: boolean;
}

export class Seq2SeqTrainer extends Trainer<Seq2SeqGpu> {
  constructor(ctx: GpuContext, opts: Seq2SeqTrainerOptions) {
    super(
      ctx,
      opts,
      () => new Seq2SeqGpu(ctx, opts.model, opts.S, opts.U, opts.B, opts.kernels, opts.freeRunning),
      opts.params ?? initParams(opts.model, opts.seed ?? 0),
    );
  }

  /**
   * One training step: forward, backward, gradient norm, optimizer; one submit, no wait. `mask`: the
   * teacher-forcing mask (Seq2SeqGpu.upload); none, full teacher forcing.
   */
  step(batch: PairBatch, mask?: Uint8Array): void {
    this.model.upload(batch, mask);
    const step = this.steps++;
    const encoder = this.ctx.device.createCommandEncoder({ label: `step ${step}` });
    const pass = encoder.beginComputePass({ label: 'train' });
    this.model.encodeGradientPass(pass);
    this.kernels.encode(pass);
    pass.end();
    this.history.encodeRecord(encoder, this.model.buffers.metrics, step);
    this.ctx.device.queue.submit([encoder.finish()]);
    this.history.mapPending();
  }

  /** Forward and backward only: leaves the loss, logits, alignment and gradients in the model's buffers. */
  computeGradients(batch: PairBatch, mask?: Uint8Array): void {
    this.model.upload(batch, mask);
    const encoder = this.ctx.device.createCommandEncoder({ label: 'gradients' });
    const pass = encoder.beginComputePass();
    this.model.encodeGradientPass(pass);
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  /** The teacher-forced loss of a batch without training on it; reads back, so call it between steps. */
  async evaluate(batch: PairBatch): Promise<number> {
    this.computeGradients(batch);
    return (await readBuffer(this.ctx, this.model.buffers.metrics, 1))[0];
  }
}
