// The training loop, without React: small slices of steps, each a few queue.submit calls, with the
// event loop free between slices. InFlight bounds the work queued on the GPU (after slice n is
// submitted we wait for slice n - 2), so the CPU never races ahead and the GPU never waits for it.

import type { GpuContext } from '../gpu/context.ts';
import { parseModelConfig, type ModelConfig } from '../gpu/model/config.ts';
import { CharBatcher, CharVocab } from '../gpu/data/chars.ts';
import { Trainer } from '../gpu/trainer.ts';
import { InFlight } from '../gpu/throttle.ts';
import { sampleChars } from '../gpu/generate.ts';
import { nextTask } from './nextTask.ts';
import { RateMeter } from './rateMeter.ts';
import * as S from './trainSettings.ts';

export interface TrainLoopEvents {
  onLoss(firstStep: number, losses: Float32Array): void;
  onProgress(p: { steps: number; stepsPerSec: number | null }): void;
  onSample(s: { step: number; text: string }): void;
  onError(message: string): void;
}

/** GPU time one slice should cover: long enough to hide a task hop, short enough to pause promptly. */
const SLICE_TARGET_MS = 16;
/** At most three slices are queued (InFlight depth 2 plus the one being submitted): 18 steps hold
 *  at most two ends of 10-step loss windows, and the trainer has three readback buffers, so no
 *  loss readback is ever dropped for want of a buffer. */
const MAX_STEPS_PER_SLICE = 6;

export class TrainLoop {
  readonly vocab: CharVocab;
  readonly model: ModelConfig;
  private trainer: Trainer;
  private batcher: CharBatcher;
  private rate = new RateMeter();
  private wanted = false;
  private loop: Promise<void> | null = null;
  private sampling = false;
  private nextSampleStep = S.SAMPLE_EVERY;
  /** Set by dispose: events from work still in flight must not reach a newer loop's page. */
  private disposed = false;

  constructor(
    private ctx: GpuContext,
    text: string,
    readonly settings: S.TrainSettings,
    private events: TrainLoopEvents,
  ) {
    this.vocab = CharVocab.fromText(text);
    this.model = parseModelConfig({
      hidden: settings.hidden,
      nonlinearity: settings.nonlinearity,
      input: { kind: 'tokens', vocab: this.vocab.size },
    });
    this.batcher = new CharBatcher(this.vocab.encode(text), settings.T, settings.B, settings.seed);
    this.trainer = new Trainer(ctx, {
      model: this.model,
      T: settings.T,
      B: settings.B,
      optimizer: { lr: settings.lr },
      seed: settings.seed,
      metricsEvery: S.LOSS_EVERY,
      onMetrics: (w) => this.emit(() => this.events.onLoss(w.firstStep, w.losses)),
    });
  }

  get steps(): number {
    return this.trainer.steps;
  }

  get running(): boolean {
    return this.loop !== null;
  }

  start(): void {
    this.wanted = true;
    if (this.loop) return; // running, or winding down after a pause: the finally below restarts it
    this.rate.reset();
    this.loop = this.run().finally(() => {
      this.loop = null;
      if (this.wanted) this.start();
    });
  }

  /** Stops submitting; resolves once the queued steps finished and their losses were delivered. */
  async pause(): Promise<void> {
    this.wanted = false;
    await this.loop;
  }

  async dispose(): Promise<void> {
    await this.pause();
    this.disposed = true;
    this.trainer.destroy();
  }

  private async run(): Promise<void> {
    const inFlight = new InFlight(this.ctx.device, 2);
    try {
      while (this.wanted) {
        const n = this.sliceSize();
        for (let i = 0; i < n; i++) this.trainer.step(this.batcher.next());
        this.rate.mark(this.trainer.steps);
        this.checkDevice();
        this.maybeSample();
        this.emit(() => this.events.onProgress({ steps: this.trainer.steps, stepsPerSec: this.rate.perSecond() }));
        await inFlight.submitted();
        await nextTask();
      }
      await inFlight.drain();
      await this.trainer.flushMetrics();
      this.checkDevice();
    } catch (e) {
      this.wanted = false;
      this.emit(() => this.events.onError(e instanceof Error ? e.message : String(e)));
    }
  }

  private sliceSize(): number {
    const perSec = this.rate.perSecond();
    if (!perSec) return 1;
    return Math.max(1, Math.min(MAX_STEPS_PER_SLICE, Math.round((SLICE_TARGET_MS * perSec) / 1000)));
  }

  private checkDevice(): void {
    if (this.ctx.lostReason) throw new Error(`The GPU device was lost (${this.ctx.lostReason}).`);
    if (this.ctx.errors.length) throw new Error(`GPU error: ${this.ctx.errors[0]}`);
  }

  /** Every SAMPLE_EVERY steps: read the weights back (queued behind training) and sample on the CPU. */
  private maybeSample(): void {
    if (this.sampling || this.trainer.steps < this.nextSampleStep) return;
    const step = this.trainer.steps;
    this.nextSampleStep = step + S.SAMPLE_EVERY;
    this.sampling = true;
    this.trainer
      .readParams()
      .then((params) => {
        const known = Array.from(S.SAMPLE_PROMPT).filter((c) => this.vocab.chars.includes(c)).join('');
        const prompt = known || this.vocab.chars[0];
        const ids = sampleChars(this.model, params, this.vocab.encode(prompt), S.SAMPLE_LENGTH, S.SAMPLE_TEMPERATURE, step);
        this.emit(() => this.events.onSample({ step, text: prompt + this.vocab.decode(ids) }));
      })
      .catch((e: unknown) => this.emit(() => this.events.onError(`Sampling failed: ${e instanceof Error ? e.message : e}`)))
      .finally(() => (this.sampling = false));
  }

  private emit(deliver: () => void): void {
    if (!this.disposed) deliver();
  }
}
