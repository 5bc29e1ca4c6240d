// The CLI's tree mode: `rnnlab grad --tree` and `rnnlab train --tree` (see treeFiles.ts for the JSON).

import { CliError } from './errors.ts';
import { MetricsLog } from './metricsLog.ts';
import { inFile, readBytes, readJson, readText, writeOutput } from './files.ts';
import { withDevice } from './device.ts';
import { train as trainFamily } from './train.ts';
import { options, stepsOption } from './options.ts';
import { parseTreeBatchFile, parseTreeTrainConfig, type TreeDataset } from './treeFiles.ts';
import { ConfigError } from '../../gpu/core/validate.ts';
import { readBuffer } from '../../gpu/core/readBuffer.ts';
import { fixedTreeTask, scanTrees } from '../../gpu/tree/sampling.ts';
import { parseTreeModelConfig, type TreeModelConfig } from '../../gpu/tree/config.ts';
import { parseTrees, TreeParseError, type Tree } from '../../gpu/tree/parse.ts';
import { buildTreeBatch, TreeDataError } from '../../gpu/tree/trees.ts';
import { treeTask, type TreeTask } from '../../gpu/tree/tasks.ts';
import { countNodes, evaluateTrees } from '../../gpu/tree/evaluate.ts';
import { TreeTrainer } from '../../gpu/tree/trainer.ts';
import { decodeTreeOptimizerState, decodeTreeWeights, encodeTreeOptimizerState, encodeTreeWeights } from '../../gpu/tree/weights.ts';

/** Data errors found on the way (a tree over the capacity, a root without a label) are user errors. */
async function userErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof TreeDataError) throw new CliError(e.message);
    throw e;
  }
}

export function treeGrad(argv: string[]): Promise<number> {
  return userErrors(() => grad(argv));
}

export function treeTrain(argv: string[]): Promise<number> {
  return userErrors(() => train(argv));
}

async function grad(argv: string[]): Promise<number> {
  const o = options('grad --tree', argv);
  const { cfg, tokens, batch } = inFile(o.batch!, () => parseTreeBatchFile(readJson(o.batch!)));
  const weights = inFile(o.weights!, () => decodeTreeWeights(readBytes(o.weights!), cfg));
  if (tokens && weights.tokens && JSON.stringify(tokens) !== JSON.stringify(weights.tokens))
    throw new CliError(`${o.weights}: the weights were saved with another vocabulary than ${o.batch}'s`);
  const { loss, grads } = await withDevice(async (ctx) => {
    const trainer = new TreeTrainer(ctx, { model: cfg, capacity: batch.N, params: weights.params });
    trainer.computeGradients(batch);
    return { loss: (await readBuffer(ctx, trainer.model.buffers.metrics, 1))[0], grads: await trainer.readGrads() };
  });
  console.log(JSON.stringify({ loss, trees: batch.B, nodes: batch.N, levels: batch.levels.length - 1 }));
  if (o.out) writeOutput(o.out, encodeTreeWeights(cfg, grads, tokens ?? undefined, { 'rnnlab.kind': 'gradients' }));
  return 0;
}

/** Training trees, validation trees and what the model needs to know about them. */
interface TreeSource extends Omit<TreeTask, 'name'> {
  /** For the weights' metadata. */
  describe: string;
  /** File datasets: the trees of each file, by path, for checks that name them. */
  files?: [string, Tree[]][];
}

function openTreeSource(d: TreeDataset, seed: number, readText: (path: string) => string): TreeSource {
  if ('task' in d) {
    const t = treeTask(d.task, d.options);
    return { ...t, describe: JSON.stringify({ task: d.task, ...d.options }) };
  }
  const read = (path: string) => {
    try {
      return parseTrees(readText(path), 'ptb');
    } catch (e) {
      if (e instanceof TreeParseError) throw new CliError(`${path}: ${e.message}`);
      throw e;
    }
  };
  const train = read(d.trees);
  const validation = read(d.validation);
  const { tokens, maxLabel } = scanTrees([train, validation]);
  const classes = d.classes ?? maxLabel + 1;
  if (maxLabel >= classes) throw new ConfigError('dataset.classes', `is ${classes}, but the trees hold label ${maxLabel}`);
  if (maxLabel < 0) throw new ConfigError('dataset.trees', 'no node carries a label');
  return {
    ...fixedTreeTask(train, validation, tokens, classes, seed),
    describe: JSON.stringify({ trees: d.trees, validation: d.validation }),
    files: [
      [d.trees, train],
      [d.validation, validation],
    ],
  };
}

async function train(argv: string[]): Promise<number> {
  const o = options('train --tree', argv);
  const tc = inFile(o.config!, () => parseTreeTrainConfig(readJson(o.config!)));
  if (o.steps !== undefined) tc.steps = stepsOption(o.steps);
  const data = inFile(o.config!, () => openTreeSource(tc.dataset, tc.seed, readText));
  const cfg: TreeModelConfig = inFile(o.config!, () =>
    parseTreeModelConfig({ heads: data.heads, ...tc.modelFields, classes: data.classes }, '', data.vocab.size),
  );
  if (cfg.heads === 'root')
    for (const [path, trees] of data.files ?? []) {
      const i = trees.findIndex((t) => t.label < 0);
      if (i >= 0) throw new CliError(`${path}: tree ${i} has no root label: heads "root" need one per tree`);
    }
  const largestValidation = Math.max(...data.validation.map(countNodes));
  const capacity = Math.max(tc.batchSize * data.maxTrainNodes, largestValidation);
  return trainFamily(o, {
    settings: tc,
    // What a resume must agree on: the model, the data, the batch size and the optimizer (not the
    // steps, logging or seed).
    record: { model: cfg, dataset: tc.dataset, batchSize: tc.batchSize, optimizer: tc.optimizer },
    metadata: { 'rnnlab.data': data.describe },
    readWeights: (path, bytes) => {
      const w = inFile(path, () => decodeTreeWeights(bytes, cfg));
      if (w.tokens && JSON.stringify(w.tokens) !== JSON.stringify(data.tokens)) throw new CliError(`${path}: the weights were saved with another vocabulary`);
      return w.params;
    },
    readOptimizerState: (bytes) => decodeTreeOptimizerState(bytes, cfg, tc.optimizer),
    start: (ctx, params) => {
      // Nodes trained since the last line: the throughput of tree batches of varying size.
      let nodesSinceLog = 0;
      const log = new MetricsLog((ms, steps) => {
        const rate = { nodes_per_s: Math.round((nodesSinceLog * 1000) / (ms * steps)) };
        nodesSinceLog = 0;
        return rate;
      });
      const trainer = new TreeTrainer(ctx, {
        model: cfg,
        capacity,
        optimizer: tc.optimizer,
        seed: tc.seed,
        params,
        metricsEvery: tc.logEvery,
        onMetrics: log.window,
      });
      function* steps(): Generator<boolean, never> {
        for (;;) {
          const batch = buildTreeBatch(data.next(tc.batchSize), data.vocab, cfg.classes);
          nodesSinceLog += batch.N;
          trainer.step(batch);
          yield true;
        }
      }
      return {
        trainer,
        steps: steps(),
        skip: (steps) => {
          for (let i = 0; i < steps; i++) data.next(tc.batchSize);
        },
        validate: async () => {
          const e = await evaluateTrees(trainer, data.validation, data.vocab);
          log.restartClock(); // the validation's time is no training step's
          return { val_loss: e.loss, val_root_accuracy: e.rootAccuracy, val_node_accuracy: e.nodeAccuracy, majority_root_accuracy: data.majorityRootAccuracy };
        },
      };
    },
    encodeWeights: (params, metadata) => encodeTreeWeights(cfg, params, data.tokens, metadata),
    encodeOptimizerState: (state) => encodeTreeOptimizerState(cfg, tc.optimizer, state),
  });
}
