// The CLI's tree mode: `rnnlab grad --tree` and `rnnlab train --tree` (see treeFiles.ts for the JSON).

import { CliError } from './errors.ts';
import { MetricsLog } from './metricsLog.ts';
import { inFile, options, readBytes, readJson, withDevice, writeOutput } from './main.ts';
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
import { optimizerPath } from '../../gpu/optimizer/state.ts';
import { decodeSafetensors } from '../../gpu/io/safetensors.ts';
import type { OptimizerSnapshot } from '../../gpu/optimizer/state.ts';
import { existsSync } from 'node:fs';
import { checkResume, STEP_KEY, TRAIN_KEY, type TreeRunRecord } from './resume.ts';
import { InFlight } from '../../gpu/core/throttle.ts';

export const TREE_USAGE = `  rnnlab train --tree --config cfg.json [--init w.safetensors] [--save out.safetensors] [--steps N]
  rnnlab grad --tree --weights w.safetensors --batch trees.json [--out grads.safetensors]`;

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
  const o = options(argv, { weights: { required: true }, batch: { required: true }, out: {} });
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
  const o = options(argv, { config: { required: true }, init: {}, save: {}, steps: {} });
  const tc = inFile(o.config!, () => parseTreeTrainConfig(readJson(o.config!)));
  if (o.steps !== undefined) {
    const n = Number(o.steps);
    if (!Number.isInteger(n) || n < 0) throw new CliError(`--steps must be a non-negative integer, got ${JSON.stringify(o.steps)}`);
    tc.steps = n;
  }
  const data = inFile(o.config!, () => openTreeSource(tc.dataset, tc.seed, (path) => new TextDecoder().decode(readBytes(path))));
  const cfg: TreeModelConfig = inFile(o.config!, () =>
    parseTreeModelConfig({ heads: data.heads, ...tc.modelFields, classes: data.classes }, '', data.vocab.size),
  );
  if (cfg.heads === 'root')
    for (const [path, trees] of data.files ?? []) {
      const i = trees.findIndex((t) => t.label < 0);
      if (i >= 0) throw new CliError(`${path}: tree ${i} has no root label: heads "root" need one per tree`);
    }
  // What a resume must agree on: the model, the data, the batch size and the optimizer (not the steps,
  // logging or seed).
  const record: TreeRunRecord = { model: cfg, dataset: tc.dataset, batchSize: tc.batchSize, optimizer: tc.optimizer };
  let params: Float32Array | undefined;
  let optimizerState: OptimizerSnapshot | undefined;
  if (o.init) {
    const bytes = readBytes(o.init);
    // With the optimizer state beside the weights, a resume of the saved run (as for sequences).
    const statePath = optimizerPath(o.init);
    if (existsSync(statePath)) {
      const { metadata } = inFile(o.init, () => decodeSafetensors(bytes));
      const stateBytes = readBytes(statePath);
      const stateStep = Number(inFile(statePath, () => decodeSafetensors(stateBytes)).metadata[STEP_KEY] ?? -1);
      checkResume(o.init, statePath, metadata, record, stateStep);
      optimizerState = inFile(statePath, () => decodeTreeOptimizerState(stateBytes, cfg, tc.optimizer));
    }
    const w = inFile(o.init, () => decodeTreeWeights(bytes, cfg));
    if (w.tokens && JSON.stringify(w.tokens) !== JSON.stringify(data.tokens)) throw new CliError(`${o.init}: the weights were saved with another vocabulary`);
    params = w.params;
  }
  const largestValidation = Math.max(...data.validation.map(countNodes));
  const capacity = Math.max(tc.batchSize * data.maxTrainNodes, largestValidation);
  const saved = await withDevice(async (ctx) => {
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
    if (optimizerState) {
      trainer.setOptimizerState(optimizerState);
      console.log(JSON.stringify({ resumed_optimizer_at_step: optimizerState.step }));
      // The resumed run trains on the trees that come after the saved steps', not on the first ones again.
      for (let i = 0; i < optimizerState.step; i++) data.next(tc.batchSize);
    }
    const inFlight = new InFlight(ctx.device);
    const validate = async () => {
      await inFlight.drain();
      await trainer.flushMetrics();
      const e = await evaluateTrees(trainer, data.validation, data.vocab);
      console.log(
        JSON.stringify({
          step: trainer.steps,
          val_loss: e.loss,
          val_root_accuracy: e.rootAccuracy,
          val_node_accuracy: e.nodeAccuracy,
          majority_root_accuracy: data.majorityRootAccuracy,
        }),
      );
      log.restartClock();
    };
    while (trainer.steps < tc.steps) {
      const batch = buildTreeBatch(data.next(tc.batchSize), data.vocab, cfg.classes);
      nodesSinceLog += batch.N;
      trainer.step(batch);
      await inFlight.submitted();
      if (tc.evalEvery && trainer.steps % tc.evalEvery === 0) await validate();
    }
    await inFlight.drain();
    await trainer.flushMetrics();
    if (!tc.evalEvery || trainer.steps % tc.evalEvery !== 0) await validate();
    return trainer.readCheckpoint();
  });
  if (o.save) {
    // The run's config and step travel with the weights, so a resume can check it continues this run;
    // the optimizer state goes beside them (out.optim.safetensors).
    const step = String(saved.optimizer.step);
    const meta = { 'rnnlab.data': data.describe, 'rnnlab.optimizer': JSON.stringify(tc.optimizer), [TRAIN_KEY]: JSON.stringify(record), [STEP_KEY]: step };
    writeOutput(o.save, encodeTreeWeights(cfg, saved.params, data.tokens, meta));
    writeOutput(optimizerPath(o.save), encodeTreeOptimizerState(cfg, tc.optimizer, saved.optimizer));
  }
  return 0;
}
