// A training session: the worker's messages for one model, whatever its family, and the training loop.
// The lifecycle lives here once — configure, reset, import weights, save and load a checkpoint,
// restore on a new device, dispose — and each family (family.ts) says what its data, its model, one
// step, one validation and its files are. No DOM and no `self`: it runs in the worker and, for tests,
// directly in Node.
//
// The loop trains in slices (about 16 ms of GPU work, or `sliceMs` of CPU time), keeps at most two
// slices queued on a GPU (InFlight), and yields to the event loop between slices, so commands (pause,
// sample, …) are handled promptly. Every `validateEvery` steps and at every stop it validates; a run
// keeps the weights and optimizer state of its last finite validation, which a diverged run (a loss
// that is not finite, or a skipped step) is rolled back to, and which a lost device is rebuilt from.

import type { GpuContext } from '../core/context.ts';
import { InFlight } from '../core/throttle.ts';
import { decodeSafetensors } from '../io/safetensors.ts';
import type { OptimizerSnapshot } from '../optimizer/state.ts';
import type { MetricsWindow } from '../training/metrics.ts';
import { families, type FamilyOptions } from './families.ts';
import type { Post, Run, SessionFamily, SessionSnapshot } from './family.ts';
import { isSeq2SeqConfig, isTreeConfig, type AnySessionConfig, type SavedCheckpoint, type SessionStatus, type ToWorker } from './protocol.ts';

export type { Post } from './family.ts';

export interface SessionOptions extends FamilyOptions {
  /** Called instead of posting a fatal error when the device is lost (the worker entry recovers). */
  onDeviceLost?: (reason: string) => void;
  /** Steps between validations while training (default 40). */
  validateEvery?: number;
  /** CPU time per slice of the loop on the CPU fallback, in ms (default 50; a slice is at least one step). */
  sliceMs?: number;
}

type AnyConfig = AnySessionConfig;

interface Active {
  family: SessionFamily<AnyConfig, unknown>;
  config: AnyConfig;
  data: unknown;
  run: Run;
  /** Tags the run's metrics callbacks, so a replaced run's late windows are dropped. */
  gen: number;
}

/** GPU slices: about 16 ms of work; three queued slices of at most 6 steps never outrun the three metrics staging buffers. */
const GPU_PACE = { sliceMs: 16, maxSteps: 6 };

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const nextTask = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * The config a checkpoint (or a device-loss snapshot) records: with the run's step kernels, so a
 * restored run sums in the same order and replays the same losses.
 */
const recordedConfig = (a: Active): AnyConfig =>
  a.run.kernels && !isTreeConfig(a.config) && !isSeq2SeqConfig(a.config) ? { ...a.config, stepKernels: a.run.kernels.name } : a.config;

/** What a session trains, for refusals of commands its family has no use for. */
const familyName = (c: AnyConfig): string => (isTreeConfig(c) ? 'tree models' : isSeq2SeqConfig(c) ? 'encoder-decoder models' : 'recurrent models');

export class TrainingSession {
  private active: Active | null = null;
  private status: SessionStatus = 'idle';
  private queue: Promise<void> = Promise.resolve();
  private loop: Promise<void> | null = null;
  private wanted = false;
  /** A stop requested by configure/reset/dispose: no validation or status at the end of the loop. */
  private quiet = false;
  private disposed = false;
  private lost = false;
  /** Training stops by itself at this step count. */
  private stopAt = Infinity;
  private nextValidation = 0;
  /** The step of the last validation, -1 when the weights changed since: a stop does not validate the same weights twice. */
  private validatedAt = -1;
  /** The first step whose metrics were not relayed yet (windows can overlap after a pause). */
  private reported = 0;
  private windowStart = 0;
  private msPerStep = 0;
  private diverged: { step: number; loss: number } | null = null;
  private gens = 0;
  private samples = 0;
  private gpuErrors = 0;
  private readonly validateEvery: number;
  private readonly familyOf: ReturnType<typeof families>;
  /** Also post the connectivity analysis at each validation (recurrent models; see gpu/recurrent/connectivity.ts). */
  showConnectivity = false;
  /** True from a saveCheckpoint until its checkpoint is posted: a recovery saves again from the new device. */
  checkpointPending = false;

  constructor(
    private readonly postMessage: Post,
    private readonly opts: SessionOptions,
  ) {
    this.validateEvery = opts.validateEvery ?? 40;
    this.familyOf = families(opts);
    void opts.gpu?.device.lost.then((info) => {
      if (info.reason !== 'destroyed') this.deviceLost(`${info.reason}: ${info.message}`);
    });
  }

  private get gpu(): GpuContext | null {
    return this.opts.gpu;
  }

  /** The current run (tests read and inject weights through it). */
  get run(): Run | null {
    return this.active?.run ?? null;
  }

  /** The current run's trainer: a RecurrentTrainer, a CpuTrainer, a TreeTrainer or a Seq2SeqTrainer (tests read and inject weights through it). */
  get trainer(): object | null {
    return this.active?.run.trainer ?? null;
  }

  /** Training steps so far (0 without a model). */
  get steps(): number {
    return this.active?.run.steps ?? 0;
  }

  /** Handles messages one at a time, in order; `train` returns once the loop is started. */
  handle(msg: ToWorker): Promise<void> {
    this.queue = this.queue
      .then(() => this.command(msg))
      .catch((e) => {
        // A lost device fails whatever was reading back; the recovery (or the fatal message) says what happened.
        if (!this.lost && !this.gpu?.lostReason) this.error(errorText(e), false);
      });
    return this.queue;
  }

  private async command(msg: ToWorker): Promise<void> {
    switch (msg.type) {
      case 'init':
      case 'close':
        return; // the worker entry's messages
      case 'configure':
        this.showConnectivity = msg.connectivity === true;
        return void (await this.configure(msg.config, msg.keepWeights));
      case 'train':
        return this.train(msg.until);
      case 'pause':
        return this.pause();
      case 'step':
        return this.step();
      case 'reset':
        return this.reset();
      case 'sample':
        return this.sample(msg.prompt, msg.temperature, msg.length);
      case 'decode':
        return this.decode(msg.source, msg.beam);
      case 'exportWeights':
        return this.exportWeights(msg.step);
      case 'importWeights':
        return this.importWeights(msg.bytes);
      case 'saveCheckpoint':
        return this.saveCheckpoint();
      case 'loadCheckpoint':
        return void (await this.loadCheckpoint(msg.checkpoint));
    }
  }

  // ---- the lifecycle ----

  /**
   * Builds data and model for `config`. A refused config leaves the current model as it was.
   * keepWeights: the new model starts from the current weights when they fit it (the optimizer starts afresh).
   */
  async configure(config: AnyConfig, keepWeights: boolean, announce = true): Promise<boolean> {
    const prepared = await this.prepare(config, 'Settings refused');
    return prepared !== null && this.install(config, prepared.family, prepared.data, keepWeights, announce);
  }

  /** Fresh weights and optimizer state, same config. */
  async reset(): Promise<void> {
    const old = this.active;
    if (!old) return void this.requireActive();
    await this.stop();
    const next = await this.build(old.family, old.config, old.data, null);
    if (!next) return this.postStatus();
    old.run.destroy();
    this.active = next;
    this.setStatus('idle');
  }

  /** `length` characters sampled on the CPU from the current weights after `prompt`; the n-th sample of a session uses seed n. */
  async sample(prompt: string, temperature: number, length: number): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    if (!a.family.sample)
      return this.error(`“sample” is not available for ${familyName(a.config)}${isSeq2SeqConfig(a.config) ? ': decode a source instead' : ''}.`, false);
    const step = a.run.steps;
    const out = await a.family.sample(a.config, a.data, () => a.run.readParams(), { prompt, temperature, length, seed: this.samples });
    if ('error' in out) return this.error(out.error, false);
    this.samples++;
    this.post({ type: 'sample', step, prompt: out.prompt, text: out.text });
  }

  /**
   * Encoder-decoder sessions: `source` decoded on the CPU from the current weights by beam search of
   * width `beam`, answered by `decoded` (with `error` when the request cannot be decoded). Training goes on.
   */
  async decode(source: string, beam: number): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    if (!a.family.decode) return this.error(`“decode” is for encoder-decoder models; this session trains ${familyName(a.config)}.`, false);
    this.post(await a.family.decode(a.config, a.data, () => a.run.readParams(), { source, beam }));
  }

  /** The current weights as safetensors. */
  /** Posts the weights as a safetensors file; `step` (the steps they were trained for) is recorded in it as rnnlab.step. */
  async exportWeights(step?: number): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    const extra = step !== undefined && Number.isInteger(step) && step >= 0 ? { [WEIGHTS_STEP_KEY]: String(step) } : undefined;
    const buffer = a.family.writeWeights(a.data, await a.run.readParams(), extra).slice().buffer;
    this.post({ type: 'weights', bytes: buffer }, [buffer]);
  }

  /**
   * Loads a weights file of this model: the optimizer starts afresh. A file that records the steps
   * it was trained for (rnnlab.step) restarts the step count at 0 over them (weightsImported says
   * how many); one that records none goes on with the count. A file that does not fit is refused
   * with the reason and the weights stay as they were.
   */
  async importWeights(bytes: ArrayBuffer): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    let params: Float32Array;
    try {
      params = a.family.readWeights(new Uint8Array(bytes), a.data, true);
    } catch (e) {
      return this.error(`Cannot load these weights: ${errorText(e)}`, false);
    }
    const step = recordedStep(bytes);
    if (step === null) {
      a.run.load(params, null);
      this.post({ type: 'weightsImported', step });
      this.validatedAt = -1;
      if (this.status === 'training') return this.postStatus();
      await this.validate();
      return this.postStatus();
    }
    // The count restarts at 0: no step of the old count may still be in flight, so training stops
    // for the swap and goes on after it.
    const wasTraining = this.status === 'training';
    await this.stop();
    if (this.active !== a) return; // replaced meanwhile
    this.resumeAt(0, params, null);
    this.post({ type: 'weightsImported', step });
    this.validatedAt = -1;
    await this.validate();
    if (wasTraining) this.start();
    else this.postStatus();
  }

  /** Posts the whole session (settings, weights, optimizer state, step) for autosave; training goes on. */
  async saveCheckpoint(): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    this.checkpointPending = true;
    const { step, params, optimizer } = await a.run.readCheckpoint();
    // Read back whole, or not posted at all (a device lost meanwhile rejects the readback above).
    if (this.lost || this.gpu?.lostReason || this.active !== a) return;
    const weights = a.family.writeWeights(a.data, params).slice().buffer;
    const state = a.family.writeOptimizer(a.data, a.run.optimizer, optimizer).slice().buffer;
    this.post({ type: 'checkpoint', checkpoint: { config: recordedConfig(a), step, weights, optimizer: state } as SavedCheckpoint }, [weights, state]);
    this.checkpointPending = false;
  }

  /**
   * Rebuilds a saved session: its settings, weights, optimizer state and step count, then validates
   * and pauses. Files that do not fit the model its settings describe are refused with the reason,
   * and the current session is left as it was.
   */
  async loadCheckpoint(c: SavedCheckpoint): Promise<boolean> {
    const refused = 'Cannot restore the saved session';
    const prepared = await this.prepare(c.config, refused);
    if (!prepared) return false;
    const { family, data } = prepared;
    let params: Float32Array;
    try {
      if (!Number.isInteger(c.step) || c.step < 0) throw new Error(`the step count ${c.step} is not a non-negative integer`);
      params = family.readWeights(new Uint8Array(c.weights), data, false);
    } catch (e) {
      this.error(`${refused}: ${errorText(e)}`, false);
      return false;
    }
    if (!(await this.install(c.config, family, data, false, true))) return false;
    const { run } = this.active!;
    let optimizer: OptimizerSnapshot | null = null;
    try {
      optimizer = family.readOptimizer(new Uint8Array(c.optimizer), data, run.optimizer);
    } catch (e) {
      this.error(`Restored the saved weights; the optimizer state could not be read (${errorText(e)}) and starts afresh.`, false);
    }
    this.resumeAt(c.step, params, optimizer);
    await this.validate();
    this.setStatus('paused');
    return true;
  }

  /** For the worker entry's device-loss recovery: the config and the last good validation's state. */
  snapshot(): SessionSnapshot<AnyConfig> | null {
    const a = this.active;
    if (!a) return null;
    return { config: recordedConfig(a), ...a.run.lastGood, training: this.status === 'training' };
  }

  /** Rebuilds a snapshot's session (on a new device, or on the CPU): its config, last good weights and optimizer state, its step count; paused. */
  async restore(s: SessionSnapshot<AnyConfig>): Promise<boolean> {
    if (!(await this.configure(s.config, false, false))) return false;
    this.resumeAt(s.step, s.params, s.optimizer);
    this.setStatus('paused');
    return true;
  }

  /** Stops training and frees the model's buffers; nothing is posted afterwards. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
    this.active?.run.destroy();
    this.active = null;
  }

  /** The family of a config and its data, or null (and an error posted, prefixed with `refusal`). */
  private async prepare(config: AnyConfig, refusal: string): Promise<{ family: SessionFamily<AnyConfig, unknown>; data: unknown } | null> {
    try {
      const family = this.familyOf(config);
      return { family, data: await family.prepare(config) };
    } catch (e) {
      this.error(`${refusal}: ${errorText(e)}`, false);
      return null;
    }
  }

  /** Replaces the model by one for `data`; on failure the current one stays (and goes on training if it was). */
  private async install(
    config: AnyConfig,
    family: SessionFamily<AnyConfig, unknown>,
    data: unknown,
    keepWeights: boolean,
    announce: boolean,
  ): Promise<boolean> {
    const old = this.active;
    const wasTraining = this.status === 'training';
    await this.stop();
    const keep = keepWeights && old?.family === family && family.sameWeights(old.data, data);
    const next = await this.build(family, config, data, keep ? await old!.run.readParams() : null);
    if (!next) {
      if (wasTraining) this.start();
      else this.postStatus();
      return false;
    }
    old?.run.destroy();
    this.active = next;
    this.setStatus('idle', false);
    if (announce) {
      this.post(family.configured(data, next.run));
      this.postStatus();
    }
    return true;
  }

  /** A run for `data`, or null (and an error posted) when the device refuses it (out of memory, …). */
  private async build(family: SessionFamily<AnyConfig, unknown>, config: AnyConfig, data: unknown, params: Float32Array | null): Promise<Active | null> {
    const gen = ++this.gens;
    const hooks = { onMetrics: (w: MetricsWindow) => this.onWindow(gen, w), post: (m: Parameters<Post>[0], t?: Transferable[]) => this.post(m, t) };
    const device = this.gpu?.device;
    device?.pushErrorScope('out-of-memory');
    device?.pushErrorScope('validation');
    let run: Run | undefined;
    let thrown: unknown;
    try {
      run = await family.build(config, data, params, hooks);
    } catch (e) {
      thrown = e;
    }
    const invalid = await device?.popErrorScope();
    const oom = await device?.popErrorScope();
    const problem = thrown ? errorText(thrown) : oom ? `out of GPU memory (${oom.message})` : invalid?.message;
    if (problem || !run) {
      run?.destroy();
      this.error(`Cannot build this model${this.gpu ? ' on the GPU' : ''}: ${problem}`, false);
      return null;
    }
    this.reported = 0;
    this.validatedAt = -1;
    this.nextValidation = this.validateEvery;
    this.diverged = null;
    this.msPerStep = 0;
    return { family, config, data, run, gen };
  }

  /** Weights and optimizer state of step `step` into the new run, whose data stream goes on from there. */
  private resumeAt(step: number, params: Float32Array, optimizer: OptimizerSnapshot | null): void {
    const { run } = this.active!;
    run.resumeAt(step);
    run.load(params, optimizer);
    this.reported = step;
    this.nextValidation = step + this.validateEvery;
  }

  // ---- training ----

  /** Starts (or keeps) training until paused, or until the step count reaches `until`. */
  async train(until = Infinity): Promise<void> {
    if (!this.requireActive()) return;
    if (this.loop && this.wanted) return void (this.stopAt = until); // already training: a new end
    await this.loop; // winding down after a pause, or a runSteps
    if (this.active!.run.steps >= until) return this.postStatus();
    this.stopAt = until;
    this.start();
  }

  /** Stops training; once the queued steps finished: validation and status 'paused'. */
  async pause(): Promise<void> {
    if (!this.loop) return this.postStatus();
    this.wanted = false;
    await this.loop;
  }

  /** One training step (one truncated-BPTT chunk, or one batch of trees), then paused. */
  step(): Promise<void> {
    return this.runSteps(1);
  }

  /** Trains `n` steps, then stops as a pause does. Resolves when stopped. */
  async runSteps(n: number): Promise<void> {
    if (!this.requireActive()) return;
    this.wanted = false;
    await this.loop;
    this.stopAt = this.active!.run.steps + n;
    this.start();
    await this.loop;
    this.stopAt = Infinity;
  }

  private start(): void {
    this.wanted = true;
    this.setStatus('training');
    this.loop = this.trainLoop().finally(() => (this.loop = null));
  }

  /** Stops the loop without validating or posting (the caller replaces or drops the model). */
  private async stop(): Promise<void> {
    this.quiet = true;
    this.wanted = false;
    await this.loop;
    this.quiet = false;
  }

  private async trainLoop(): Promise<void> {
    const { run } = this.active!;
    const inFlight = this.gpu ? new InFlight(this.gpu.device, 2) : null;
    const pace = this.gpu ? GPU_PACE : { sliceMs: this.opts.sliceMs ?? 50, maxSteps: Infinity };
    this.windowStart = performance.now();
    /** A GPU error stopped the loop: what the device computes now cannot be trusted. */
    let gpuFailed = false;
    try {
      while (this.wanted && run.steps < this.stopAt && !this.diverged) {
        // Slices end at validation points, so validations fall on multiples of validateEvery.
        const slice = this.msPerStep ? Math.max(1, Math.min(pace.maxSteps, Math.round(pace.sliceMs / this.msPerStep))) : 1;
        const n = Math.min(slice, this.stopAt - run.steps, Math.max(1, this.nextValidation - run.steps));
        const t0 = performance.now();
        let done = 0;
        for (; done < n && !this.diverged; done++) run.trainStep();
        // On the CPU a step is done when it returns: its time is known now. A GPU's comes with its metrics.
        if (!inFlight) this.msPerStep = (performance.now() - t0) / done;
        this.checkDevice();
        await inFlight?.submitted();
        // (The stop at the end of the loop validates anyway.)
        if (run.steps >= this.nextValidation && run.steps < this.stopAt && this.wanted && !this.diverged) {
          const t1 = performance.now();
          await this.validate();
          this.windowStart += performance.now() - t1; // validation time is not training time
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
    if (this.lost) return void inFlight?.drain().catch(() => {});
    try {
      await inFlight?.drain();
      await run.finish();
      if (this.diverged) this.rollBack(run);
      // After a GPU error no validation: it would post numbers of a step that may not have run,
      // and keep its weights as the last good state. The last good one stays as it was.
      if (!this.quiet && !gpuFailed && this.validatedAt !== run.steps) await this.validate();
    } catch (e) {
      if (!this.lost) this.error(`Training stopped: ${errorText(e)}`, false);
    }
    this.setStatus('paused', !this.quiet);
  }

  private checkDevice(): void {
    const gpu = this.gpu;
    if (!gpu) return;
    if (gpu.lostReason) throw new Error(`The GPU device was lost (${gpu.lostReason}).`);
    if (gpu.errors.length > this.gpuErrors) {
      this.gpuErrors = gpu.errors.length;
      throw new Error(`GPU error: ${gpu.errors[gpu.errors.length - 1]}`);
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
    const elapsed = Math.max(1e-3 * n, now - this.windowStart);
    this.windowStart = now;
    const msPerStep = elapsed / n;
    if (this.gpu) this.msPerStep = msPerStep;
    const bad = losses.findIndex((l, i) => !Number.isFinite(l) || skipped[i] !== 0);
    if (bad >= 0 && !this.diverged) {
      this.diverged = { step: firstStep + bad, loss: losses[bad] };
      this.wanted = false;
    }
    const tokensPerSec = (a.run.takeThroughput(n) * 1000) / elapsed;
    this.post({ type: 'metrics', firstStep, losses, gradNorms, skipped, msPerStep, tokensPerSec }, [losses.buffer, gradNorms.buffer, skipped.buffer]);
  }

  /** After a non-finite loss or a skipped step: back to the last good weights and optimizer state, and say so. */
  private rollBack(run: Run): void {
    const d = this.diverged!;
    this.diverged = null;
    const step = run.rollBack();
    const what = Number.isFinite(d.loss) ? 'the gradient was not finite' : `the loss became ${d.loss}`;
    const o = run.optimizer;
    this.error(
      `Training diverged at step ${d.step} (${what}). Paused and restored the weights of step ${step}. ` +
        `Try a lower learning rate (now ${o.lr})${o.clip ? '' : ' or gradient clipping'}.`,
      false,
    );
  }

  private async validate(): Promise<void> {
    const { run } = this.active!;
    const step = run.steps;
    await run.validate(this.showConnectivity);
    this.nextValidation = step + this.validateEvery;
    this.validatedAt = step;
  }

  // ---- messages ----

  private requireActive(): boolean {
    if (!this.active) this.error('No model yet: send a configuration first.', false);
    return this.active !== null;
  }

  private setStatus(status: SessionStatus, post = true): void {
    this.status = status;
    if (post) this.postStatus();
  }

  private postStatus(): void {
    this.post({ type: 'status', status: this.status, steps: this.active?.run.steps ?? 0 });
  }

  private error(message: string, fatal: boolean): void {
    this.post({ type: 'error', message, fatal });
  }

  private post(msg: Parameters<Post>[0], transfer: Transferable[] = []): void {
    if (!this.disposed) this.postMessage(msg, transfer);
  }

  private deviceLost(reason: string): void {
    if (this.disposed || this.lost) return;
    this.lost = true;
    this.wanted = false;
    if (this.opts.onDeviceLost) this.opts.onDeviceLost(reason);
    else this.error(`The GPU device was lost (${reason}).`, true);
  }
}

/** The metadata key of the steps a weights file's weights were trained for (the CLI's resume reads the same). */
export const WEIGHTS_STEP_KEY = 'rnnlab.step';

/** The steps a weights file records (WEIGHTS_STEP_KEY), or null: none, or not a whole number. */
function recordedStep(bytes: ArrayBuffer): number | null {
  try {
    const step = Number(decodeSafetensors(new Uint8Array(bytes)).metadata[WEIGHTS_STEP_KEY]);
    return Number.isInteger(step) && step >= 0 ? step : null;
  } catch {
    return null; // readWeights already read it whole: this cannot fail for a file it took
  }
}
