// The CPU fallback of the training session, for browsers without WebGPU: the same messages as the
// GPU TrainingSession (session.ts), whose behaviour is the spec, answered by a CpuTrainer (the
// float64 reference) instead of the GPU's RecurrentTrainer. Much slower: the worker entry's `device` message
// says so. No DOM and no `self`, so it runs in the worker and, for tests, directly in Node.
//
// The loop trains slices of whole steps, about 50 ms of CPU time each (at least one step), and
// yields to the event loop between slices, so commands (pause, sample, …) are handled promptly.
// Metrics windows, validation with the heatmap, and the last good checkpoint that a diverged run is
// rolled back to, all as on the GPU.

import { SessionBase, type Post } from './sessionBase.ts';
import type { Batch } from '../data/batch.ts';
import { splitSteps } from '../data/split.ts';
import { sampleChars } from '../recurrent/generate.ts';
import { decodeWeights } from '../recurrent/weights.ts';
import { initParams } from '../recurrent/params.ts';
import { CpuTrainer, type CpuCheckpoint } from '../recurrent/cpuTrainer.ts';
import { StepWindow } from './stepWindow.ts';
import { prepareSession, streamAfter, type SessionData } from './sessionData.ts';
import { type BufferLimits } from '../recurrent/memory.ts';
import { connectivityMessage } from './connectivityMessage.ts';
import { buildPrediction, predictionKind } from './prediction.ts';
import type { CorpusName, SavedSession, SessionConfig, ToWorker } from './protocol.ts';
import type { SessionSnapshot } from './recurrentSession.ts';
import {
  configuredMessage,
  dispatch,
  divergenceMessage,
  errorText,
  importedParams,
  nextTask,
  sameLayout,
  samplePrompt,
  validationChunks,
} from './sessionCommon.ts';

/** The `device` message's adapter name when the worker falls back to this session. */
export const CPU_ADAPTER = 'CPU (JavaScript, float64) — slower than a GPU';

export interface CpuSessionOptions {
  /** The text of a bundled corpus (the worker entry fetches it; tests pass a string). */
  loadCorpus: (name: CorpusName) => Promise<string>;
  /** Limits a configuration is checked against (prepareSession's buffer limits); default 1 GiB each. */
  limits?: Partial<BufferLimits>;
  /** Steps between validations while training (default 40). */
  validateEvery?: number;
  /** CPU time per slice of the loop in ms (default 50); a slice is at least one step. */
  sliceMs?: number;
}

interface Active {
  config: SessionConfig;
  data: SessionData;
  trainer: CpuTrainer;
  next: () => Batch;
  /** Truncated BPTT: the chunks of the current batch still to train (each carries the state on). */
  pending: Batch[];
}

const CPU_LIMIT = 1 << 30;

export class CpuSession extends SessionBase<Active> {
  private queue: Promise<void> = Promise.resolve();
  /** runSteps: the loop stops at this step count. */
  private nextValidation = 0;
  private lastGood: CpuCheckpoint | null = null;
  /** The metrics of the steps not relayed yet (windows of 10 steps). */
  private readonly window = new StepWindow(10);
  /** CPU time of one step, measured over the last slice (0: not yet). */
  private stepMs = 0;
  private diverged: { step: number; loss: number } | null = null;
  private samples = 0;
  private readonly validateEvery: number;
  private readonly sliceMs: number;

  constructor(
    postMessage: Post,
    private readonly opts: CpuSessionOptions,
  ) {
    super(postMessage);
    this.validateEvery = opts.validateEvery ?? 40;
    this.sliceMs = opts.sliceMs ?? 50;
  }

  /** Training steps so far (0 without a model). */
  get steps(): number {
    return this.active?.trainer.steps ?? 0;
  }

  /** Test hook: overwrites the current weights (e.g. with NaN, to provoke the roll-back). */
  setWeightsForTest(params: ArrayLike<number>): void {
    this.active!.trainer.params.set(params);
  }

  /** Handles messages one at a time, in order; `train` returns once the loop is started. */
  handle(msg: ToWorker): Promise<void> {
    this.queue = this.queue.then(() => dispatch(this, msg)).catch((e) => this.error(errorText(e), false));
    return this.queue;
  }

  /** Builds data and model for `config`; a refused config leaves the current model as it was. */
  async configure(config: SessionConfig, keepWeights: boolean, announce = true): Promise<boolean> {
    let data: SessionData;
    try {
      data = await this.prepare(config);
    } catch (e) {
      this.error(`Settings refused: ${errorText(e)}`, false);
      return false;
    }
    await this.adopt(config, data, keepWeights, announce);
    return true;
  }

  /** Fresh weights and optimizer state, same config. */
  async reset(): Promise<void> {
    const old = this.active;
    if (!old) return void this.requireActive();
    await this.stop();
    this.install(old.config, old.data);
    this.setStatus('idle');
  }

  /** `length` characters sampled from the current weights (in float32, as on the GPU); the n-th sample uses seed n. */
  sample(prompt: string, temperature: number, length: number): void {
    const a = this.active;
    if (!a) return void this.requireActive();
    const request = samplePrompt(a.config, a.data, prompt, temperature, length);
    if ('error' in request) return this.error(request.error, false);
    const vocab = a.data.vocab!;
    const ids = sampleChars(a.data.model, Float32Array.from(a.trainer.params), vocab.encode(request.prompt), length, temperature, this.samples++);
    this.post({ type: 'sample', step: a.trainer.steps, prompt: request.prompt, text: vocab.decode(ids) });
  }

  /** The current weights as safetensors (with the vocabulary of a character model). */
  async exportWeights(): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    const bytes = a.trainer.weightsFile(a.data.metadata);
    this.post({ type: 'weights', bytes }, [bytes]);
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
    a.pending = []; // the carried state belongs to the old weights
    this.validatedAt = -1;
    this.lastGood = a.trainer.checkpoint();
    if (this.status !== 'training') this.validate();
    this.postStatus();
  }

  /** Posts the whole session (settings, weights, optimizer state, step) for autosave; training goes on. */
  async saveCheckpoint(): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    const [weights, optimizer] = [a.trainer.weightsFile(a.data.metadata), a.trainer.optimizerFile()];
    this.post({ type: 'checkpoint', checkpoint: { config: a.config, step: a.trainer.steps, weights, optimizer } }, [weights, optimizer]);
  }

  /** Rebuilds a saved session; files that do not fit its settings are refused and the current session stays. */
  async loadCheckpoint(c: SavedSession): Promise<boolean> {
    let data: SessionData;
    let params: Float32Array;
    try {
      data = await this.prepare(c.config);
      params = decodeWeights(new Uint8Array(c.weights), data.model).params;
    } catch (e) {
      this.error(`Cannot restore the saved session: ${errorText(e)}`, false);
      return false;
    }
    await this.adopt(c.config, data, false, true);
    const { trainer } = this.active!;
    trainer.setParams(params);
    try {
      trainer.loadOptimizerFile(c.optimizer);
    } catch (e) {
      this.error(`Restored the saved weights; the optimizer state could not be read (${errorText(e)}) and starts afresh.`, false);
    }
    trainer.steps = c.step;
    this.active!.next = streamAfter(data, c.step);
    this.lastGood = trainer.checkpoint();
    this.validate();
    this.setStatus('paused');
    return true;
  }

  /** Rebuilds a snapshot's session (e.g. a GPU session's after its device was lost and no new one came). */
  async restore(s: SessionSnapshot): Promise<boolean> {
    if (!(await this.configure(s.config, false, false))) return false;
    const { trainer } = this.active!;
    if (s.params) trainer.setParams(s.params); // with a fresh optimizer, which a null s.optimizer means
    if (s.params && s.optimizer) {
      const { step, m, v, skippedTotal } = s.optimizer;
      trainer.state = { step, m: Float64Array.from(m), v: v.length ? Float64Array.from(v) : new Float64Array(m.length) };
      trainer.skipped = skippedTotal;
    }
    trainer.steps = s.step;
    this.active!.next = streamAfter(this.active!.data, s.step);
    this.lastGood = trainer.checkpoint();
    this.nextValidation = s.step + this.validateEvery;
    this.setStatus('paused');
    return true;
  }

  /** Stops training; nothing is posted afterwards. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
    this.active = null;
  }

  // ---- the loop ----

  protected async run(): Promise<void> {
    const a = this.active!;
    const { trainer } = a;
    this.window.restartClock();
    try {
      while (this.wanted && trainer.steps < this.stopAt && !this.diverged) {
        // Slices end at validation points, so validations fall on multiples of validateEvery.
        const n = Math.min(this.sliceSize(), this.stopAt - trainer.steps, Math.max(1, this.nextValidation - trainer.steps));
        const t0 = performance.now();
        let done = 0;
        for (; done < n && !this.diverged; done++) this.trainOne(a);
        this.stepMs = (performance.now() - t0) / done;
        if (trainer.steps >= this.nextValidation && trainer.steps < this.stopAt && this.wanted && !this.diverged) {
          const t1 = performance.now();
          this.validate();
          this.window.exclude(performance.now() - t1); // validation time is not training time
          this.postStatus();
        }
        await nextTask();
      }
    } catch (e) {
      this.error(`Training stopped: ${errorText(e)}`, false);
    }
    this.wanted = false;
    try {
      this.flushWindow(a);
      if (this.diverged) this.rollBack(a);
      if (!this.quiet && this.validatedAt !== this.active!.trainer.steps) this.validate();
    } catch (e) {
      this.error(`Training stopped: ${errorText(e)}`, false);
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
    const step = a.trainer.steps;
    const { loss, gradNorm, skipped } = a.trainer.step(a.pending.shift()!, !fresh);
    if ((!Number.isFinite(loss) || skipped) && !this.diverged) {
      this.diverged = { step, loss };
      this.wanted = false;
    }
    if (this.window.record(step, loss, gradNorm, skipped)) this.flushWindow(a);
  }

  private sliceSize(): number {
    return this.stepMs > 0 ? Math.max(1, Math.floor(this.sliceMs / this.stepMs)) : 1;
  }

  /** Relays the steps not relayed yet as a metrics window. */
  private flushWindow(a: Active): void {
    const m = this.window.take(a.data.T * a.data.B);
    if (m) this.post(m, [m.losses.buffer, m.gradNorms.buffer, m.skipped.buffer]);
  }

  /** After a non-finite loss: back to the last good weights and optimizer state, and say so. */
  private rollBack(a: Active): void {
    const d = this.diverged!;
    const cp = this.lastGood!;
    this.diverged = null;
    a.trainer.restore(cp);
    a.pending = []; // the carried state is not finite either
    this.error(divergenceMessage(d, cp.step, a.trainer.optimizer), false);
  }

  /** Validation loss, the heatmap of its last chunk, and a checkpoint when everything is finite. */
  private validate(): void {
    const { trainer, data } = this.active!;
    const { loss, channels, outputs } = trainer.evaluate(validationChunks(data), predictionKind(data) !== null);
    const step = trainer.steps;
    this.nextValidation = step + this.validateEvery;
    this.validatedAt = step;
    this.post({ type: 'validation', step, loss });
    this.post(
      { type: 'heatmap', step, T: data.T, channels },
      channels.map((c) => c.values.buffer),
    );
    if (outputs) this.post({ type: 'prediction', step, prediction: buildPrediction(data, outputs) });
    if (this.showConnectivity) this.postConnectivity(data, trainer.params, step);
    if (Number.isFinite(loss) && trainer.params.every(Number.isFinite)) this.lastGood = trainer.checkpoint();
  }

  private postConnectivity(data: SessionData, params: Float32Array | Float64Array, step: number): void {
    const m = connectivityMessage(data, params, step);
    if (m) this.post(m, [m.connectivity.norms.buffer]);
  }

  // ---- building ----

  private prepare(config: SessionConfig): Promise<SessionData> {
    const limits = this.opts.limits;
    return prepareSession(
      config,
      this.opts.loadCorpus,
      {
        maxStorageBufferBindingSize: limits?.maxStorageBufferBindingSize ?? CPU_LIMIT,
        maxBufferSize: limits?.maxBufferSize ?? CPU_LIMIT,
      },
      'cpu',
    );
  }

  /** Replaces the model by one for `data` (keeping the weights when asked and the layouts match); status idle. */
  private async adopt(config: SessionConfig, data: SessionData, keepWeights: boolean, announce: boolean): Promise<void> {
    const old = this.active;
    await this.stop();
    this.install(config, data, keepWeights && old && sameLayout(old.data, data) ? old.trainer.params : undefined);
    this.setStatus('idle', false);
    if (announce) {
      this.post(configuredMessage(data));
      this.postStatus();
    }
  }

  private install(config: SessionConfig, data: SessionData, params?: Float64Array): void {
    const trainer = new CpuTrainer(data.model, config.optimizer, params ?? initParams(data.model, config.seed));
    this.active = { config, data, trainer, next: data.stream(), pending: [] };
    this.nextValidation = this.validateEvery;
    this.validatedAt = -1;
    this.diverged = null;
    this.stepMs = 0;
    this.window.reset();
    this.lastGood = trainer.checkpoint();
  }

  // ---- messages ----
}
