// A training session: the data, the trainer and the training loop behind the worker's messages.
// No DOM and no `self`, so it runs in the worker and, for tests, directly in Node.
//
// The loop submits slices of a few steps (about 16 ms of GPU time), keeps at most two slices
// queued (InFlight), and yields to the event loop between slices, so commands (pause, sample, …)
// are handled promptly. Every `validateEvery` steps and on every stop it measures the validation
// loss, reads the heatmap, and keeps a CPU copy of the weights and optimizer state when they are
// finite: the last good checkpoint that a diverged run (non-finite loss) is rolled back to.

import { SessionBase, type Post } from './sessionBase.ts';
import type { GpuContext } from '../core/context.ts';
import type { Batch } from '../data/batch.ts';
import { splitSteps } from '../data/split.ts';
import { sampleChars } from '../recurrent/generate.ts';
import { decodeWeights, encodeWeights } from '../recurrent/weights.ts';
import { decodeOptimizerState, encodeOptimizerState } from '../recurrent/weights.ts';
import type { MetricsWindow } from '../training/metrics.ts';
import { InFlight } from '../core/throttle.ts';
import { RecurrentTrainer } from '../recurrent/trainer.ts';
import { type OptimizerSnapshot } from '../optimizer/state.ts';
import { prepareSession, streamAfter, type SessionData } from './sessionData.ts';
import { type BufferLimits } from '../recurrent/memory.ts';
import { readHeatmap } from './heatmap.ts';
import { connectivityMessage } from './connectivityMessage.ts';
import { buildPrediction } from './prediction.ts';
import { PredictionReadback } from './predictionReadback.ts';
import type { CorpusName, SavedSession, SessionConfig, ToWorker } from './protocol.ts';
import {
  configuredMessage,
  dispatch,
  divergenceMessage,
  errorText,
  importedParams,
  nextTask,
  realSteps,
  sameLayout,
  samplePrompt,
  validationChunks,
} from './sessionCommon.ts';
import { restoreInto, snapshotOf, type GpuSnapshot, type LastGood } from './recovery.ts';

export interface SessionOptions {
  /** The text of a bundled corpus (the worker entry fetches it; tests pass a string). */
  loadCorpus: (name: CorpusName) => Promise<string>;
  /** Limits to plan buffers against instead of the device's (tests inject tiny ones). */
  limits?: Partial<BufferLimits>;
  /** Called instead of posting a fatal error when the device is lost (the worker entry recovers). */
  onDeviceLost?: (reason: string) => void;
  /** Steps between validations while training (default 40). */
  validateEvery?: number;
}

/** What the worker entry needs to rebuild a session on a new device: its last good checkpoint. */
export type SessionSnapshot = GpuSnapshot<SessionConfig>;

interface Active {
  config: SessionConfig;
  data: SessionData;
  trainer: RecurrentTrainer;
  /** Tags the trainer's metrics callbacks, so a replaced trainer's late windows are dropped. */
  gen: number;
  next: () => Batch;
  /** Truncated BPTT: the chunks of the current batch still to train (each carries the state on). */
  pending: Batch[];
  /** Scratch for the carried state (block T of each layer's hs, cs) across a mid-batch validation. */
  carry: GPUBuffer;
}

const SLICE_TARGET_MS = 16;
/** Three queued slices of at most 6 steps never outrun the trainer's three metrics staging buffers. */
const MAX_STEPS_PER_SLICE = 6;
const METRICS_EVERY = 10;

export class TrainingSession extends SessionBase<Active> {
  private queue: Promise<void> = Promise.resolve();
  /** runSteps: the loop stops at this step count. */
  private nextValidation = 0;
  private lastGood: LastGood | null = null;
  /** The first step whose metrics were not relayed yet (windows can overlap after a pause). */
  private reported = 0;
  private windowStart = 0;
  private msPerStep = 0;
  private diverged: { step: number; loss: number } | null = null;
  private gens = 0;
  private samples = 0;
  private gpuErrors = 0;
  private lost = false;
  private readonly validateEvery: number;

  constructor(
    readonly ctx: GpuContext,
    postMessage: Post,
    private readonly opts: SessionOptions,
  ) {
    super(postMessage);
    this.validateEvery = opts.validateEvery ?? 40;
    void ctx.device.lost.then((info) => {
      if (info.reason !== 'destroyed') this.deviceLost(`${info.reason}: ${info.message}`);
    });
  }

  /** What a configuration is planned against: the context's limits (or lower ones from the options). */
  private limits(): BufferLimits {
    const l = this.ctx.limits;
    return {
      maxStorageBufferBindingSize: this.opts.limits?.maxStorageBufferBindingSize ?? l.maxStorageBufferBindingSize,
      maxBufferSize: this.opts.limits?.maxBufferSize ?? l.maxBufferSize,
    };
  }

  /** The current trainer (tests use it to inject weights, e.g. NaN). */
  get trainer(): RecurrentTrainer | null {
    return this.active?.trainer ?? null;
  }

  /** Handles messages one at a time, in order; `train` returns once the loop is started. */
  handle(msg: ToWorker): Promise<void> {
    this.queue = this.queue
      .then(() => dispatch(this, msg))
      .catch((e) => {
        // A lost device fails whatever was reading back; the recovery (or the fatal message) says what happened.
        if (!this.lost && !this.ctx.lostReason) this.error(errorText(e), false);
      });
    return this.queue;
  }

  /** True from a saveCheckpoint until its checkpoint is posted: a recovery saves again from the new device. */
  checkpointPending = false;

  /**
   * Builds data and trainer for `config`. A refused config leaves the current trainer as it was.
   * keepWeights: the new model starts from the current weights when the parameter layouts match.
   */
  async configure(config: SessionConfig, keepWeights: boolean, announce = true): Promise<boolean> {
    let data: SessionData;
    try {
      data = await prepareSession(config, this.opts.loadCorpus, this.limits());
    } catch (e) {
      this.error(`Settings refused: ${errorText(e)}`, false);
      return false;
    }
    const old = this.active;
    const wasTraining = this.status === 'training';
    await this.stop();
    let params: Float32Array | undefined;
    if (keepWeights && old && sameLayout(old.data, data)) params = await old.trainer.readParams();
    const next = await this.build(config, data, params);
    if (!next) {
      if (wasTraining) this.start();
      else this.postStatus();
      return false;
    }
    if (old) this.destroy(old);
    this.active = next;
    this.setStatus('idle', false);
    if (announce) {
      this.post(configuredMessage(data));
      this.postStatus();
    }
    return true;
  }

  /** Fresh weights and optimizer state, same config. */
  async reset(): Promise<void> {
    const old = this.active;
    if (!old) return void this.requireActive();
    await this.stop();
    const next = await this.build(old.config, old.data);
    if (!next) return this.postStatus();
    this.destroy(old);
    this.active = next;
    this.setStatus('idle');
  }

  /**
   * `length` characters sampled on the CPU from the current weights after `prompt` (characters
   * outside the vocabulary are dropped). The n-th sample of a session uses seed n.
   */
  async sample(prompt: string, temperature: number, length: number): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    const request = samplePrompt(a.config, a.data, prompt, temperature, length);
    if ('error' in request) return this.error(request.error, false);
    const [vocab, used] = [a.data.vocab!, request.prompt];
    const step = a.trainer.steps;
    const params = await a.trainer.readParams();
    const ids = sampleChars(a.data.model, params, vocab.encode(used), length, temperature, this.samples++);
    this.post({ type: 'sample', step, prompt: used, text: vocab.decode(ids) });
  }

  /** The current weights as safetensors (with the vocabulary of a character model). */
  async exportWeights(): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    const bytes = encodeWeights(a.data.model, await a.trainer.readParams(), a.data.metadata);
    const buffer = bytes.slice().buffer;
    this.post({ type: 'weights', bytes: buffer }, [buffer]);
  }

  /** Loads safetensors weights for the current model; the optimizer starts afresh. */
  async importWeights(bytes: ArrayBuffer): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    let params: Float32Array;
    try {
      params = importedParams(bytes, a.data);
    } catch (e) {
      return this.error(`Cannot load these weights: ${errorText(e)}`, false);
    }
    a.trainer.setParams(params);
    a.trainer.setOptimizerState(a.trainer.freshOptimizerState());
    a.pending = []; // the carried state belongs to the old weights
    this.validatedAt = -1;
    this.lastGood = { step: a.trainer.steps, params, optimizer: null };
    if (this.status === 'training') return this.postStatus();
    await this.validate();
    this.postStatus();
  }

  /** Posts the whole session (settings, weights, optimizer state, step) for autosave; training goes on. */
  async saveCheckpoint(): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    this.checkpointPending = true;
    const { step, params, optimizer } = await a.trainer.readCheckpoint();
    // Read back whole, or not posted at all (a device lost meanwhile rejects the readback above).
    if (this.lost || this.ctx.lostReason) return;
    const weights = encodeWeights(a.data.model, params, a.data.metadata).slice().buffer;
    const state = encodeOptimizerState(a.data.model, a.trainer.optimizer, optimizer).slice().buffer;
    this.post({ type: 'checkpoint', checkpoint: { config: a.config, step, weights, optimizer: state } }, [weights, state]);
    this.checkpointPending = false;
  }

  /**
   * Rebuilds a saved session. Its files are checked against the model its settings describe; a file
   * that does not fit is refused with the reason and the current session is left as it was.
   */
  async loadCheckpoint(c: SavedSession): Promise<boolean> {
    let data: SessionData;
    let params: Float32Array;
    try {
      data = await prepareSession(c.config, this.opts.loadCorpus, this.limits());
      params = decodeWeights(new Uint8Array(c.weights), data.model).params;
    } catch (e) {
      this.error(`Cannot restore the saved session: ${errorText(e)}`, false);
      return false;
    }
    if (!(await this.configure(c.config, false))) return false;
    const a = this.active!;
    let optimizer: OptimizerSnapshot;
    try {
      optimizer = decodeOptimizerState(new Uint8Array(c.optimizer), data.model, a.trainer.optimizer);
    } catch (e) {
      optimizer = a.trainer.freshOptimizerState();
      this.error(`Restored the saved weights; the optimizer state could not be read (${errorText(e)}) and starts afresh.`, false);
    }
    a.trainer.setParams(params);
    a.trainer.setOptimizerState(optimizer);
    a.trainer.steps = this.reported = c.step;
    a.next = streamAfter(a.data, c.step);
    this.lastGood = { step: c.step, params, optimizer };
    this.nextValidation = c.step + this.validateEvery;
    await this.validate();
    this.setStatus('paused');
    return true;
  }

  /** For the worker entry's device-loss recovery. */
  snapshot(): SessionSnapshot | null {
    if (!this.active) return null;
    return snapshotOf(this.active.config, this.lastGood, this.status === 'training');
  }

  /** Rebuilds a snapshot's session (on a new device): its config, its last good weights and optimizer state, its step count. */
  async restore(s: SessionSnapshot): Promise<boolean> {
    if (!(await this.configure(s.config, false, false))) return false;
    const a = this.active!;
    this.lastGood = restoreInto(a.trainer, s) ?? this.lastGood;
    this.reported = s.step;
    a.next = streamAfter(a.data, s.step);
    this.nextValidation = s.step + this.validateEvery;
    this.setStatus('paused');
    return true;
  }

  /** Stops training and frees the GPU buffers; nothing is posted afterwards. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
    if (this.active) this.destroy(this.active);
    this.active = null;
  }

  // ---- the loop ----

  protected async run(): Promise<void> {
    const a = this.active!;
    const { trainer } = a;
    const inFlight = new InFlight(this.ctx.device, 2);
    this.windowStart = performance.now();
    /** A GPU error stopped the loop: what the device computes now cannot be trusted. */
    let gpuFailed = false;
    try {
      while (this.wanted && trainer.steps < this.stopAt && !this.diverged) {
        // Slices end at validation points, so validations fall on multiples of validateEvery.
        const n = Math.min(this.sliceSize(), this.stopAt - trainer.steps, Math.max(1, this.nextValidation - trainer.steps));
        for (let i = 0; i < n; i++) this.trainOne(a);
        this.checkDevice();
        await inFlight.submitted();
        // (The stop at the end of the loop validates anyway.)
        if (trainer.steps >= this.nextValidation && trainer.steps < this.stopAt && this.wanted && !this.diverged) {
          const t0 = performance.now();
          await this.validate();
          this.windowStart += performance.now() - t0; // validation time is not training time
          this.postStatus();
        }
        await nextTask();
      }
    } catch (e) {
      gpuFailed = /^GPU error/.test(errorText(e));
      if (!this.lost) this.error(`Training stopped: ${errorText(e)}`, gpuFailed);
    }
    this.wanted = false;
    // The lost device rejects the queued steps' promises: handled here, as no one waits for them.
    if (this.lost) return void inFlight.drain().catch(() => {});
    try {
      await inFlight.drain();
      await trainer.flushMetrics();
      if (this.diverged) this.rollBack(a);
      // After a GPU error no validation: it would post numbers of a step that may not have run,
      // and keep its weights as the last good checkpoint. The last good one stays as it was.
      if (!this.quiet && !gpuFailed && this.validatedAt !== trainer.steps) await this.validate();
    } catch (e) {
      if (!this.lost) this.error(`Training stopped: ${errorText(e)}`, false);
    }
    this.setStatus('paused', !this.quiet);
  }

  /** One trainer step: the next chunk of the current batch, or the first chunk of a new one. */
  private trainOne(a: Active): void {
    const fresh = a.pending.length === 0;
    if (fresh) {
      const batch = a.next();
      a.pending = a.data.T < a.data.seqLen ? splitSteps(batch, a.data.T) : [batch];
    }
    a.trainer.step(a.pending.shift()!, { carryState: !fresh });
  }

  private sliceSize(): number {
    if (!this.msPerStep) return 1;
    return Math.max(1, Math.min(MAX_STEPS_PER_SLICE, Math.round(SLICE_TARGET_MS / this.msPerStep)));
  }

  private checkDevice(): void {
    if (this.ctx.lostReason) throw new Error(`The GPU device was lost (${this.ctx.lostReason}).`);
    if (this.ctx.errors.length > this.gpuErrors) {
      this.gpuErrors = this.ctx.errors.length;
      throw new Error(`GPU error: ${this.ctx.errors[this.ctx.errors.length - 1]}`);
    }
  }

  /** Relays a metrics window (only steps not relayed yet); a non-finite loss or a skipped step stops training. */
  private onWindow(gen: number, w: MetricsWindow): void {
    const a = this.active;
    if (!a || a.gen !== gen) return;
    const skip = Math.max(0, this.reported - w.firstStep);
    const n = w.losses.length - skip;
    if (n <= 0) return;
    const [losses, gradNorms, skipped] = [w.losses.slice(skip), w.gradNorms.slice(skip), w.skipped.slice(skip)];
    const firstStep = w.firstStep + skip;
    this.reported = firstStep + n;
    const now = performance.now();
    const ms = Math.max(1e-3, (now - this.windowStart) / n);
    this.windowStart = now;
    this.msPerStep = ms;
    const bad = losses.findIndex((l, i) => !Number.isFinite(l) || skipped[i] !== 0);
    if (bad >= 0 && !this.diverged) {
      this.diverged = { step: firstStep + bad, loss: losses[bad] };
      this.wanted = false;
    }
    const tokensPerSec = (a.data.T * a.data.B * 1000) / ms;
    this.post({ type: 'metrics', firstStep, losses, gradNorms, skipped, msPerStep: ms, tokensPerSec }, [losses.buffer, gradNorms.buffer, skipped.buffer]);
  }

  /** After a non-finite loss: back to the last good weights and optimizer state, and say so. */
  private rollBack(a: Active): void {
    const d = this.diverged!;
    const cp = this.lastGood!;
    this.diverged = null;
    a.trainer.setParams(cp.params);
    a.trainer.setOptimizerState(cp.optimizer ?? a.trainer.freshOptimizerState());
    a.pending = []; // the carried state is not finite either
    this.error(divergenceMessage(d, cp.step, a.trainer.optimizer), false);
  }

  /**
   * Validation loss (chunk by chunk with the state carried, weighted by real steps, as the CLI),
   * the heatmap of the last chunk, and a checkpoint when everything is finite. Mid-batch, the
   * carried training state is saved around it (evaluate overwrites the states).
   */
  private async validate(): Promise<void> {
    const a = this.active!;
    const { trainer, data } = a;
    const mid = a.pending.length > 0;
    if (mid) this.copyCarry(a, true);
    let total = 0;
    let weight = 0;
    const prediction = PredictionReadback.for(this.ctx, trainer.model, data);
    for (const [i, chunk] of validationChunks(data).entries()) {
      const w = realSteps(chunk);
      total += (await trainer.evaluate(chunk, { carryState: i > 0 })) * w;
      weight += w;
      prediction?.copyChunk(chunk);
    }
    const channels = await readHeatmap(this.ctx, trainer.model);
    const outputs = await prediction?.read();
    if (mid) this.copyCarry(a, false);
    const [params, optimizer] = await Promise.all([trainer.readParams(), trainer.readOptimizerState()]);
    const step = trainer.steps;
    const loss = total / Math.max(weight, 1);
    this.nextValidation = step + this.validateEvery;
    this.validatedAt = step;
    this.post({ type: 'validation', step, loss });
    this.post(
      { type: 'heatmap', step, T: data.T, channels },
      channels.map((c) => c.values.buffer),
    );
    if (outputs) this.post({ type: 'prediction', step, prediction: buildPrediction(data, outputs) });
    if (this.showConnectivity) this.postConnectivity(data, params, step);
    if (Number.isFinite(loss) && params.every(Number.isFinite)) this.lastGood = { step, params, optimizer };
  }

  /** Saves (or restores) each layer's final states, block T of hs and cs, to (from) the scratch buffer. */
  private copyCarry(a: Active, save: boolean): void {
    const { model } = a.trainer;
    const bytes = model.B * model.cfg.hidden * 4;
    const encoder = this.ctx.device.createCommandEncoder({ label: save ? 'save carry' : 'restore carry' });
    let at = 0;
    for (const { buffers } of model.layers)
      for (const state of [buffers.hs, buffers.cs]) {
        if (!state) continue;
        if (save) encoder.copyBufferToBuffer(state, model.T * bytes, a.carry, at, bytes);
        else encoder.copyBufferToBuffer(a.carry, at, state, model.T * bytes, bytes);
        at += bytes;
      }
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  private postConnectivity(data: SessionData, params: Float32Array | Float64Array, step: number): void {
    const m = connectivityMessage(data, params, step);
    if (m) this.post(m, [m.connectivity.norms.buffer]);
  }

  // ---- building ----

  /** A trainer for `data`, or null (and an error posted) when the GPU refuses it (out of memory, …). */
  private async build(config: SessionConfig, data: SessionData, params?: Float32Array): Promise<Active | null> {
    const { device } = this.ctx;
    const gen = ++this.gens;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let trainer: RecurrentTrainer | undefined;
    let carry: GPUBuffer | undefined;
    let thrown: unknown;
    try {
      trainer = new RecurrentTrainer(this.ctx, {
        model: data.model,
        T: data.T,
        B: data.B,
        optimizer: config.optimizer,
        seed: config.seed,
        params,
        metricsEvery: METRICS_EVERY,
        onMetrics: (w) => this.onWindow(gen, w),
      });
      const states = data.model.layers * (data.model.cell === 'lstm' ? 2 : 1);
      carry = this.ctx.createBuffer('carry save', states * data.B * data.model.hidden * 4, GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
    } catch (e) {
      thrown = e;
    }
    const invalid = await device.popErrorScope();
    const oom = await device.popErrorScope();
    const problem = thrown ? errorText(thrown) : oom ? `out of GPU memory (${oom.message})` : invalid?.message;
    if (problem || !trainer || !carry) {
      trainer?.destroy();
      if (carry) this.ctx.destroyBuffer(carry);
      this.error(`Cannot build this model on the GPU: ${problem}`, false);
      return null;
    }
    this.reported = 0;
    this.validatedAt = -1;
    this.nextValidation = this.validateEvery;
    this.diverged = null;
    this.msPerStep = 0;
    this.lastGood = { step: 0, params: params ?? (await trainer.readParams()), optimizer: null };
    return { config, data, trainer, gen, next: data.stream(), pending: [], carry };
  }

  private destroy(a: Active): void {
    a.trainer.destroy();
    this.ctx.destroyBuffer(a.carry);
  }

  // ---- messages ----

  private deviceLost(reason: string): void {
    if (this.disposed || this.lost) return;
    this.lost = true;
    this.wanted = false;
    if (this.opts.onDeviceLost) this.opts.onDeviceLost(reason);
    else this.error(`The GPU device was lost (${reason}).`, true);
  }
}
