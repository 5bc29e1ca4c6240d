// The tree family as a session trains it (family.ts): a recursive network over binary trees
// (gpu/tree/) on a built-in task or a user's file of labelled trees, trained on shallow trees and
// validated on deeper ones. A validation posts the loss with the root accuracy (`validation`) and a
// few of the validation trees with each node's prediction and hidden state, read back once (`tree`).

import type { GpuContext } from '../core/context.ts';
import { readBuffer } from '../core/readBuffer.ts';
import type { TreeModelConfig } from '../tree/config.ts';
import { countNodes, evaluateTrees } from '../tree/evaluate.ts';
import { TREE_FILE_LIMITS, treeFileTask } from '../tree/fileTask.ts';
import type { Tree } from '../tree/parse.ts';
import { treeTask, type TreeTask } from '../tree/tasks.ts';
import { argmaxRows, TreeTrainer } from '../tree/trainer.ts';
import { buildTreeBatch, headTargets } from '../tree/trees.ts';
import { decodeTreeOptimizerState, decodeTreeWeights, encodeTreeOptimizerState, encodeTreeWeights } from '../tree/weights.ts';
import type { RunHooks, SessionFamily } from './family.ts';
import { GpuRun } from './gpuRun.ts';
import { TREE_SESSION_LIMITS, type TreeSessionConfig, type TreeView } from './protocol.ts';
import { refuseOtherFamily } from './weightsKind.ts';

export interface TreeFamilyOptions {
  /** Validation trees evaluated (default 200). */
  validationSize?: number;
  /** Validation trees drawn in each `tree` message (default 3). */
  drawn?: number;
}

/** A tree config's task and model. */
export interface TreeData {
  task: TreeTask;
  model: TreeModelConfig;
  /** The task's training stream has not been used yet: the first run takes it, later ones make their own. */
  unused: boolean;
}

/** Class names of the built-in tasks. */
const TASK_CLASSES: Record<'arithmetic' | 'negation', string[]> = {
  arithmetic: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  negation: ['negative', 'neutral', 'positive'],
};

/** Class names: the built-in task's, or a file's labels 0 … C−1. */
const classNames = (c: TreeSessionConfig, task: TreeTask): string[] =>
  c.task === 'file' ? Array.from({ length: task.classes }, (_, i) => String(i)) : TASK_CLASSES[c.task];

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

/** The task of a config: a built-in one, or the trees of a file (throws TreeFileError with the reason). */
function makeTask(c: TreeSessionConfig, validationSize: number): TreeTask {
  if (c.task === 'file') return treeFileTask(c.trees!.text, c.seed);
  // Arithmetic: expression depths; negation: tree heights.
  const depths =
    c.task === 'arithmetic'
      ? { trainDepth: c.trainDepth, validationDepth: c.validationDepth }
      : { trainHeight: c.trainDepth, validationHeight: c.validationDepth };
  return treeTask(c.task, { seed: c.seed, ...depths, validationSize });
}

const sameVocabulary = (a: TreeTask, b: TreeTask) => a.tokens.join('\n') === b.tokens.join('\n');

export function treeFamily(ctx: GpuContext, o: TreeFamilyOptions): SessionFamily<TreeSessionConfig, TreeData> {
  const validationSize = o.validationSize ?? 200;
  return {
    async prepare(c) {
      const problem = treeConfigProblem(c);
      if (problem) throw new Error(`${problem}.`);
      let task: TreeTask;
      try {
        task = makeTask(c, validationSize);
      } catch (e) {
        throw new Error(`${c.task === 'file' ? `${c.trees!.name}: ` : ''}${(e as Error).message}.`, { cause: e });
      }
      return { task, model: { cell: c.cell, hidden: c.hidden, vocab: task.vocab.size, classes: task.classes, heads: task.heads }, unused: true };
    },
    sameWeights: (a, b) => (['cell', 'hidden', 'vocab', 'classes', 'heads'] as const).every((k) => a.model[k] === b.model[k]) && sameVocabulary(a.task, b.task),
    async build(config, data, params, hooks) {
      // A reset or a rebuild starts the training trees over: a fresh task, as the config describes it.
      const task = data.unused ? data.task : makeTask(config, validationSize);
      data.unused = false;
      return new TreeRun(ctx, config, data, task, params, hooks, o.drawn ?? 3).start(params);
    },
    configured: (data, run) => ({
      type: 'treeConfigured',
      paramCount: (run as TreeRun).trainer.model.layout.specs.reduce((n, s) => n + s.size, 0),
      classes: (run as TreeRun).classes,
      hidden: data.model.hidden,
      majorityAccuracy: data.task.majorityRootAccuracy,
    }),
    readWeights(bytes, data) {
      refuseOtherFamily(bytes, 'tree');
      const w = decodeTreeWeights(bytes, data.model);
      if (w.tokens && w.tokens.join('\n') !== data.task.tokens.join('\n'))
        throw new Error('they were saved with another vocabulary (another task or tree file)');
      return w.params;
    },
    writeWeights: (data, params, extra) => encodeTreeWeights(data.model, params, data.task.tokens, extra),
    readOptimizer: (bytes, data, opt) => decodeTreeOptimizerState(bytes, data.model, opt),
    writeOptimizer: (data, opt, s) => encodeTreeOptimizerState(data.model, opt, s),
  };
}

const METRICS_EVERY = 10;

class TreeRun extends GpuRun<TreeTrainer> {
  readonly classes: string[];
  /** The trees drawn in `tree` messages: the smallest validation trees, fixed for the run. */
  private readonly drawn: Tree[];
  /** Tree nodes trained since the metrics last reported them (the throughput is in nodes/s). */
  private nodes = 0;

  constructor(
    private readonly ctx: GpuContext,
    private readonly config: TreeSessionConfig,
    private readonly data: TreeData,
    private readonly task: TreeTask,
    params: Float32Array | null,
    private readonly hooks: RunHooks,
    drawnCount: number,
  ) {
    const sizes = task.validation.map(countNodes);
    super(
      new TreeTrainer(ctx, {
        model: data.model,
        capacity: Math.max(config.batchSize * task.maxTrainNodes, ...sizes),
        optimizer: config.optimizer,
        seed: config.seed,
        params: params ?? undefined,
        metricsEvery: METRICS_EVERY,
        onMetrics: (w) => hooks.onMetrics(w),
      }),
    );
    this.classes = classNames(config, task);
    // The smallest validation trees draw best; ties keep their order.
    this.drawn = task.validation
      .map((t, i) => ({ t, n: sizes[i], i }))
      .sort((a, b) => a.n - b.n || a.i - b.i)
      .slice(0, drawnCount)
      .map((x) => x.t);
  }

  trainStep(): void {
    const batch = buildTreeBatch(this.task.next(this.config.batchSize), this.task.vocab, this.task.classes);
    this.nodes += batch.N;
    this.trainer.step(batch);
  }

  takeThroughput(): number {
    const n = this.nodes;
    this.nodes = 0;
    return n;
  }

  /** Validation loss and root accuracy on the deeper trees, then the drawn trees with predictions and hidden states. */
  async validate(): Promise<void> {
    const { trainer, task } = this;
    const step = trainer.steps;
    const ev = await evaluateTrees(trainer, task.validation, task.vocab);
    this.hooks.post({ type: 'validation', step, loss: ev.loss, accuracy: ev.rootAccuracy });
    if (Number.isFinite(ev.loss)) {
      const cp = await trainer.readCheckpoint();
      this.lastGood = { step, params: cp.params, optimizer: cp.optimizer };
    }
    const views = await this.readTrees();
    this.hooks.post(
      { type: 'tree', step, hidden: this.data.model.hidden, classes: this.classes, trees: views },
      views.map((v) => v.states.buffer),
    );
  }

  /** Evaluates the drawn trees as one batch and splits it back into trees, node indices local to each. */
  private async readTrees(): Promise<TreeView[]> {
    const { trainer, task } = this;
    const model = this.data.model;
    const batch = buildTreeBatch(this.drawn, task.vocab, task.classes);
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

  /** The trees of `step` steps drawn and dropped from the run's fresh task (its stream starts at its seed). */
  resumeAt(step: number): void {
    this.trainer.steps = step;
    for (let i = 0; i < step; i++) this.task.next(this.config.batchSize);
  }
}
