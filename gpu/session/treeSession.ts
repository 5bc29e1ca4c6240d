// A training session for a recursive network over binary trees (gpu/tree/): a built-in tree task, a
// TreeTrainer, and the same loop and messages as TrainingSession (session.ts) for configure, train
// (until), pause, step, reset, exportWeights and close. No DOM and no `self`: it runs in the worker
// and, for tests, in Node.
//
// The loop submits slices of a few steps, keeps at most two queued (InFlight) and yields between
// slices. Every `validateEvery` steps and at every stop it evaluates the deeper validation trees
// (`validation`, with the root accuracy) and posts a few of them with each node's prediction and
// hidden state, read back once (`tree`).

import { SessionBase, type Post } from './sessionBase.ts';
import type { GpuContext } from '../core/context.ts';
import type { MetricsWindow } from '../training/metrics.ts';
import { InFlight } from '../core/throttle.ts';
import { readBuffer } from '../core/readBuffer.ts';
import type { Tree } from '../tree/parse.ts';
import { treeTask, type TreeTask } from '../tree/tasks.ts';
import { TREE_FILE_LIMITS, treeFileTask } from '../tree/fileTask.ts';
import { argmaxRows, TreeTrainer } from '../tree/trainer.ts';
import { buildTreeBatch, headTargets } from '../tree/trees.ts';
import { countNodes, evaluateTrees } from '../tree/evaluate.ts';
import { decodeTreeOptimizerState, decodeTreeWeights, encodeTreeOptimizerState, encodeTreeWeights } from '../tree/weights.ts';
import type { TreeModelConfig } from '../tree/config.ts';
import {
  isTreeCheckpoint,
  isTreeConfig,
  TREE_SESSION_LIMITS,
  type SavedCheckpoint,
  type SessionConfig,
  type ToWorker,
  type TreeSessionConfig,
  type TreeView,
} from './protocol.ts';
import { errorText, nextTask } from './sessionCommon.ts';
import { restoreInto, snapshotOf, type GpuSnapshot, type LastGood } from './recovery.ts';

export interface TreeSessionOptions {
  /** Steps between validations while training (default 40). */
  validateEvery?: number;
  /** Validation trees evaluated (default 200). */
  validationSize?: number;
  /** Validation trees drawn in each `tree` message (default 3). */
  drawn?: number;
  /** Called instead of posting a fatal error when the device is lost (the worker entry recovers). */
  onDeviceLost?: (reason: string) => void;
}

/** What a device-loss recovery rebuilds a tree session from: the last good validation's state. */
export type TreeSnapshot = GpuSnapshot<TreeSessionConfig>;

/** Class names of the built-in tasks. */
const TASK_CLASSES: Record<'arithmetic' | 'negation', string[]> = {
  arithmetic: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  negation: ['negative', 'neutral', 'positive'],
};

/** Class names: the built-in task's, or a file's labels 0 … C−1. */
const classNames = (c: TreeSessionConfig, task: TreeTask): string[] =>
  c.task === 'file' ? Array.from({ length: task.classes }, (_, i) => String(i)) : TASK_CLASSES[c.task];

/** The task of a config: a built-in one, or the trees of a file (throws TreeFileError with the reason). */
function makeTask(c: TreeSessionConfig, validationSize: number): TreeTask {
  if (c.task === 'file') return treeFileTask(c.trees!.text, c.seed);
  return treeTask(c.task, { seed: c.seed, ...depths(c), validationSize });
}

interface Active {
  config: TreeSessionConfig;
  task: TreeTask;
  trainer: TreeTrainer;
  model: TreeModelConfig;
  /** The trees drawn in `tree` messages: the smallest validation trees, fixed for the session. */
  drawn: Tree[];
  gen: number;
}

const MAX_STEPS_PER_SLICE = 6;
const SLICE_TARGET_MS = 16;
const METRICS_EVERY = 10;

/** Checks a tree config; the problem as text, or null. */
export function treeConfigProblem(c: TreeSessionConfig): string | null {
  const int = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (c.task !== 'arithmetic' && c.task !== 'negation' && c.task !== 'file') return `unknown tree task "${String(c.task)}"`;
  if (c.task === 'file') {
    const t = c.trees;
    if (!t || typeof t.text !== 'string' || typeof t.name !== 'string') return 'a tree file task needs the file (trees: {name, text})';
    if (t.text.length > TREE_FILE_LIMITS.bytes) return `the tree file is over ${TREE_FILE_LIMITS.bytes.toLocaleString('en-US')} characters`;
  }
  if (c.cell !== 'rnn' && c.cell !== 'lstm') return `a tree cell is "rnn" or "lstm", got "${String(c.cell)}"`;
  if (!int(c.hidden, 1, TREE_SESSION_LIMITS.hidden)) return `hidden must be an integer in [1, ${TREE_SESSION_LIMITS.hidden}]`;
  if (!int(c.batchSize, 1, TREE_SESSION_LIMITS.batchSize)) return `batchSize must be an integer in [1, ${TREE_SESSION_LIMITS.batchSize}]`;
  if (c.task === 'file') return null;
  if (!int(c.trainDepth, 1, TREE_SESSION_LIMITS.trainDepth)) return `the training depth must be an integer in [1, ${TREE_SESSION_LIMITS.trainDepth}]`;
  if (!int(c.validationDepth, c.trainDepth + 1, TREE_SESSION_LIMITS.validationDepth))
    return `the validation depth must be an integer in [${c.trainDepth + 1}, ${TREE_SESSION_LIMITS.validationDepth}]`;
  return null;
}

/** The task's depth options: expression depths for arithmetic, tree heights for negation. */
function depths(c: TreeSessionConfig) {
  return c.task === 'arithmetic'
    ? { trainDepth: c.trainDepth, validationDepth: c.validationDepth }
    : { trainHeight: c.trainDepth, validationHeight: c.validationDepth };
}

const modelOf = (c: TreeSessionConfig, task: TreeTask): TreeModelConfig => ({
  cell: c.cell,
  hidden: c.hidden,
  vocab: task.vocab.size,
  classes: task.classes,
  heads: task.heads,
});

/** Same parameter shapes: weights can move from one model to the other. */
const sameTreeLayout = (a: TreeModelConfig, b: TreeModelConfig): boolean =>
  (['cell', 'hidden', 'vocab', 'classes', 'heads'] as const).every((k) => a[k] === b[k]);

export class TreeSession extends SessionBase<Active> {
  private queue: Promise<void> = Promise.resolve();
  private nextValidation = 0;
  private reported = 0;
  private windowStart = 0;
  private msPerStep = 0;
  private nodesInWindow = 0;
  private diverged = false;
  private gens = 0;
  private readonly validateEvery: number;
  /** True from a saveCheckpoint until its checkpoint is posted: a recovery saves again from the new device. */
  checkpointPending = false;
  /** The state at the last finite validation: what a device-loss recovery goes back to. */
  private lastGood: LastGood | null = null;
  private lost = false;

  constructor(
    readonly ctx: GpuContext,
    postMessage: Post,
    private readonly opts: TreeSessionOptions = {},
  ) {
    super(postMessage);
    this.validateEvery = opts.validateEvery ?? 40;
    void ctx.device.lost.then((info) => {
      if (info.reason !== 'destroyed') this.deviceLost(`${info.reason}: ${info.message}`);
    });
  }

  private deviceLost(reason: string): void {
    if (this.disposed || this.lost) return;
    this.lost = true;
    this.wanted = false;
    if (this.opts.onDeviceLost) this.opts.onDeviceLost(reason);
    else this.error(`The GPU device was lost (${reason}).`, true);
  }

  get trainer(): TreeTrainer | null {
    return this.active?.trainer ?? null;
  }

  handle(msg: ToWorker): Promise<void> {
    this.queue = this.queue
      .then(() => this.dispatch(msg))
      // A lost device fails whatever was reading back; the recovery (or the fatal message) says what happened.
      .catch((e) => {
        if (!this.lost && !this.ctx.lostReason) this.error(errorText(e), false);
      });
    return this.queue;
  }

  private async dispatch(msg: ToWorker): Promise<void> {
    switch (msg.type) {
      case 'configure':
        if (!isTreeConfig(msg.config)) return this.error('This session trains tree models; a recurrent configuration needs a new session.', false);
        return void (await this.configure(msg.config, msg.keepWeights));
      case 'train':
        return this.train(msg.until);
      case 'pause':
        return this.pause();
      case 'step':
        return this.runSteps(1);
      case 'reset':
        return this.reset();
      case 'exportWeights':
        return this.exportWeights();
      case 'importWeights':
        return this.importWeights(msg.bytes);
      case 'saveCheckpoint':
        return this.saveCheckpoint();
      case 'loadCheckpoint':
        return void (await this.loadCheckpoint(msg.checkpoint));
      case 'init':
      case 'close':
        return;
      default:
        return this.error(`“${msg.type}” is not available for tree models.`, false);
    }
  }

  /** keepWeights: the new model starts from the current weights when the parameter layouts match (the optimizer starts afresh). */
  async configure(config: TreeSessionConfig | SessionConfig, keepWeights = false, announce = true): Promise<boolean> {
    if (!isTreeConfig(config)) {
      this.error('Settings refused: not a tree configuration.', false);
      return false;
    }
    const problem = treeConfigProblem(config);
    if (problem) {
      this.error(`Settings refused: ${problem}.`, false);
      return false;
    }
    let task: TreeTask;
    try {
      task = makeTask(config, this.opts.validationSize ?? 200);
    } catch (e) {
      this.error(`Settings refused: ${config.task === 'file' ? `${config.trees!.name}: ` : ''}${errorText(e)}.`, false);
      return false;
    }
    await this.stop();
    const old = this.active;
    const keep = keepWeights && old && sameTreeLayout(old.model, modelOf(config, task)) && old.task.tokens.join('\n') === task.tokens.join('\n');
    const params = keep ? await old.trainer.readParams() : null;
    const next = this.build(config, task);
    if (params) next.trainer.setParams(params);
    if (old) old.trainer.destroy();
    this.active = next;
    this.status = 'idle';
    this.lastGood = null;
    const { trainer } = next;
    const paramCount = trainer.model.layout.specs.reduce((n, s) => n + s.size, 0);
    // A recovery rebuilds the same model: the page keeps what it shows.
    if (announce)
      this.post({ type: 'treeConfigured', paramCount, classes: classNames(config, task), hidden: config.hidden, majorityAccuracy: task.majorityRootAccuracy });
    this.postStatus();
    return true;
  }

  async reset(): Promise<void> {
    const old = this.active;
    if (!old) return void this.requireActive();
    await this.stop();
    old.trainer.destroy();
    this.active = this.build(old.config);
    this.status = 'idle';
    this.lastGood = null;
    this.postStatus();
  }

  async exportWeights(): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    const bytes = encodeTreeWeights(a.model, await a.trainer.readParams(), a.task.tokens);
    const buffer = bytes.slice().buffer;
    this.post({ type: 'weights', bytes: buffer }, [buffer]);
  }

  /**
   * Loads a weights file of this model (same cell, sizes and vocabulary, as exportWeights writes it):
   * the optimizer starts afresh, the step count goes on. A file that does not fit is refused with the
   * reason and the weights stay as they were.
   */
  async importWeights(bytes: ArrayBuffer): Promise<void> {
    const a = this.active;
    if (!a) return void this.requireActive();
    let params: Float32Array;
    try {
      const w = decodeTreeWeights(new Uint8Array(bytes), a.model);
      if (w.tokens && w.tokens.join('\n') !== a.task.tokens.join('\n')) throw new Error('they were saved with another vocabulary (another task or tree file)');
      params = w.params;
    } catch (e) {
      return this.error(`Cannot load these weights: ${errorText(e)}`, false);
    }
    const fresh = a.trainer.freshOptimizerState();
    a.trainer.setParams(params);
    a.trainer.setOptimizerState(fresh);
    this.validatedAt = -1;
    this.lastGood = { step: a.trainer.steps, params, optimizer: fresh };
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
    if (this.ctx.lostReason || this.active !== a) return;
    const weights = encodeTreeWeights(a.model, params, a.task.tokens).slice().buffer;
    const state = encodeTreeOptimizerState(a.model, a.trainer.optimizer, optimizer).slice().buffer;
    this.post({ type: 'checkpoint', checkpoint: { config: a.config, step, weights, optimizer: state } }, [weights, state]);
    this.checkpointPending = false;
  }

  /**
   * Rebuilds a saved tree session: its settings, weights, optimizer state and step count, then
   * validates and pauses. Weights that do not fit the model its settings describe are refused with
   * the reason, and the current session is left as it was. The task's tree stream starts afresh.
   */
  async loadCheckpoint(c: SavedCheckpoint): Promise<boolean> {
    if (!isTreeCheckpoint(c)) {
      this.error('Cannot restore the saved session: it is not a tree model (a recurrent session needs a new session).', false);
      return false;
    }
    const problem = treeConfigProblem(c.config);
    let params: Float32Array;
    try {
      if (problem) throw new Error(problem);
      if (!Number.isInteger(c.step) || c.step < 0) throw new Error(`the step count ${c.step} is not a non-negative integer`);
      const probe = makeTask(c.config, 1);
      params = decodeTreeWeights(new Uint8Array(c.weights), modelOf(c.config, probe)).params;
    } catch (e) {
      this.error(`Cannot restore the saved session: ${errorText(e)}`, false);
      return false;
    }
    if (!(await this.configure(c.config))) return false;
    const a = this.active!;
    a.trainer.setParams(params);
    try {
      a.trainer.setOptimizerState(decodeTreeOptimizerState(new Uint8Array(c.optimizer), a.model, a.trainer.optimizer));
    } catch (e) {
      this.error(`Restored the saved weights; the optimizer state could not be read (${errorText(e)}) and starts afresh.`, false);
    }
    a.trainer.steps = this.reported = c.step;
    skipTrees(a, c.step);
    this.nextValidation = c.step + this.validateEvery;
    await this.validate();
    this.setStatus('paused');
    return true;
  }

  /** For the worker entry's device-loss recovery: the config and the last good validation's state. */
  snapshot(): TreeSnapshot | null {
    if (!this.active) return null;
    return snapshotOf(this.active.config, this.lastGood, this.status === 'training');
  }

  /** Rebuilds a snapshot's session on a new device: its config, weights, optimizer state and step count; paused. */
  async restore(s: TreeSnapshot): Promise<boolean> {
    if (!(await this.configure(s.config, false, false))) return false;
    const a = this.active!;
    this.lastGood = restoreInto(a.trainer, s);
    this.reported = s.step;
    skipTrees(a, s.step);
    this.nextValidation = s.step + this.validateEvery;
    this.setStatus('paused');
    return true;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
    this.active?.trainer.destroy();
    this.active = null;
  }

  // ---- the loop ----

  private build(config: TreeSessionConfig, task = makeTask(config, this.opts.validationSize ?? 200)): Active {
    const model = modelOf(config, task);
    const sizes = task.validation.map(countNodes);
    const gen = ++this.gens;
    const trainer = new TreeTrainer(this.ctx, {
      model,
      capacity: Math.max(config.batchSize * task.maxTrainNodes, ...sizes),
      optimizer: config.optimizer,
      seed: config.seed,
      metricsEvery: METRICS_EVERY,
      onMetrics: (w) => this.onWindow(gen, w),
    });
    // The smallest validation trees draw best; ties keep their order.
    const drawn = task.validation
      .map((t, i) => ({ t, n: sizes[i], i }))
      .sort((a, b) => a.n - b.n || a.i - b.i)
      .slice(0, this.opts.drawn ?? 3)
      .map((x) => x.t);
    this.reported = 0;
    this.validatedAt = -1;
    this.nextValidation = this.validateEvery;
    this.diverged = false;
    this.msPerStep = 0;
    return { config, task, trainer, model, drawn, gen };
  }

  protected async run(): Promise<void> {
    const a = this.active!;
    const { trainer, task, config } = a;
    const inFlight = new InFlight(this.ctx.device, 2);
    this.windowStart = performance.now();
    this.nodesInWindow = 0;
    try {
      while (this.wanted && trainer.steps < this.stopAt && !this.diverged) {
        const n = Math.min(this.sliceSize(), this.stopAt - trainer.steps, Math.max(1, this.nextValidation - trainer.steps));
        for (let i = 0; i < n; i++) {
          const batch = buildTreeBatch(task.next(config.batchSize), task.vocab, task.classes);
          this.nodesInWindow += batch.N;
          trainer.step(batch);
        }
        if (this.ctx.lostReason) throw new Error(`The GPU device was lost (${this.ctx.lostReason}).`);
        await inFlight.submitted();
        if (trainer.steps >= this.nextValidation && trainer.steps < this.stopAt && this.wanted && !this.diverged) {
          const t0 = performance.now();
          await this.validate();
          this.windowStart += performance.now() - t0;
          this.postStatus();
        }
        await nextTask();
      }
    } catch (e) {
      if (!this.lost) this.error(`Training stopped: ${errorText(e)}`, false);
    }
    this.wanted = false;
    try {
      await inFlight.drain();
      await trainer.flushMetrics();
      if (this.diverged) this.error('Training diverged (the loss is not finite). Reset, and try a lower learning rate or gradient clipping.', false);
      else if (!this.quiet && this.validatedAt !== trainer.steps) await this.validate();
    } catch (e) {
      if (!this.lost) this.error(`Training stopped: ${errorText(e)}`, false);
    }
    this.setStatus('paused', !this.quiet);
  }

  private sliceSize(): number {
    if (!this.msPerStep) return 1;
    return Math.max(1, Math.min(MAX_STEPS_PER_SLICE, Math.round(SLICE_TARGET_MS / this.msPerStep)));
  }

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
    const elapsed = Math.max(1e-3, now - this.windowStart);
    const ms = elapsed / n;
    const nodesPerSec = (this.nodesInWindow * 1000) / elapsed;
    this.windowStart = now;
    this.nodesInWindow = 0;
    this.msPerStep = ms;
    if (losses.some((l) => !Number.isFinite(l))) {
      this.diverged = true;
      this.wanted = false;
    }
    this.post({ type: 'metrics', firstStep, losses, gradNorms, skipped, msPerStep: ms, tokensPerSec: nodesPerSec }, [
      losses.buffer,
      gradNorms.buffer,
      skipped.buffer,
    ]);
  }

  /** Validation loss and root accuracy on the deeper trees, then the drawn trees with predictions and hidden states. */
  private async validate(): Promise<void> {
    const a = this.active!;
    const { trainer, task } = a;
    const step = trainer.steps;
    const ev = await evaluateTrees(trainer, task.validation, task.vocab);
    this.nextValidation = step + this.validateEvery;
    this.validatedAt = step;
    this.post({ type: 'validation', step, loss: ev.loss, accuracy: ev.rootAccuracy });
    if (Number.isFinite(ev.loss)) {
      const cp = await trainer.readCheckpoint();
      this.lastGood = { step, params: cp.params, optimizer: cp.optimizer };
    }
    const views = await this.readTrees(a);
    this.post(
      { type: 'tree', step, hidden: a.model.hidden, classes: classNames(a.config, a.task), trees: views },
      views.map((v) => v.states.buffer),
    );
  }

  /** Evaluates the drawn trees as one batch and splits it back into trees, node indices local to each. */
  private async readTrees(a: Active): Promise<TreeView[]> {
    const { trainer, task, model } = a;
    const batch = buildTreeBatch(a.drawn, task.vocab, task.classes);
    const { logits } = await trainer.evaluate(batch, headTargets(batch, model.heads));
    const hs = await readBuffer(this.ctx, trainer.model.buffers.hs, batch.N * model.hidden);
    const pred = argmaxRows(logits, model.classes);
    const H = model.hidden;
    return Array.from({ length: batch.B }, (_, b) => {
      const members: number[] = [];
      for (let n = 0; n < batch.N; n++) if (batch.tree[n] === b) members.push(n);
      const local = new Map(members.map((n, i) => [n, i]));
      const states = new Float32Array(members.length * H);
      const nodes = members.map((n, i) => {
        states.set(hs.subarray(n * H, (n + 1) * H), i * H);
        const leaf = batch.left[n] < 0;
        return {
          left: leaf ? -1 : local.get(batch.left[n])!,
          right: leaf ? -1 : local.get(batch.right[n])!,
          text: leaf ? task.vocab.token(batch.token[n]) : '',
          label: batch.label[n],
          predicted: pred[n],
        };
      });
      return { nodes, root: local.get(batch.roots[b])!, states };
    });
  }

  // ---- messages ----
}

/**
 * After a restore the task's stream of training trees goes on where `steps` steps left it (it is
 * rebuilt from the seed, so the trees those steps used are drawn and dropped), not from its start.
 */
function skipTrees(a: Active, steps: number): void {
  for (let i = 0; i < steps; i++) a.task.next(a.config.batchSize);
}
