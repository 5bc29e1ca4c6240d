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
import { feedsBack, FULL_TEACHER_FORCING, teacherForcingMask, teacherForcingRatio, type TeacherForcing } from './teacherForcing.ts';

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
  /**
   * The teacher-forcing ratio's schedule (teacherForcing.ts; default full teacher forcing): each step
   * draws its mask from it. A schedule that goes below 1 builds the model freeRunning.
   */
  teacherForcing?: TeacherForcing;
  /** Build the model freeRunning whatever the schedule (tests pass masks of their own to computeGradients). */
  freeRunning?: boolean;
}

export class Seq2SeqTrainer extends Trainer<Seq2SeqGpu> {
  readonly teacherForcing: TeacherForcing;
  /**
   * Steps the run took before this trainer's first (the CLI's resume counts `steps` from 0; a session
   * sets `steps` itself): the schedule and its masks go by the run's step, stepsBefore + steps.
   */
  stepsBefore = 0;
  private seed: number;
  constructor(ctx: GpuContext, opts: Seq2SeqTrainerOptions) {
    const tf = opts.teacherForcing ?? FULL_TEACHER_FORCING;
    const freeRunning = !!opts.freeRunning || feedsBack(tf);
    super(
      ctx,
      opts,
      () => new Seq2SeqGpu(ctx, opts.model, opts.S, opts.U, opts.B, opts.kernels, freeRunning),
      opts.params ?? initParams(opts.model, opts.seed ?? 0),
    );
    this.teacherForcing = tf;
    this.seed = opts.seed ?? 0;
  }

  /** The teacher-forcing ratio of the next step. */
  get teacherForcingRatio(): number {
    return teacherForcingRatio(this.teacherForcing, this.stepsBefore + this.steps);
  }

  /**
   * One training step: forward, backward, gradient norm, optimizer; one submit, no wait. Its
   * teacher-forcing mask is the schedule's for this step (teacherForcingMask).
   */
  step(batch: PairBatch): void {
    const step = this.steps++;
    this.model.upload(batch, teacherForcingMask(this.teacherForcing, this.stepsBefore + step, this.seed, this.model.U, this.model.B));
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
