// The CLI's encoder–decoder (sequence-to-sequence) mode: `rnnlab grad --seq2seq` and
// `rnnlab train --seq2seq` (see seq2seqFiles.ts for the JSON). Training runs on the GPU
// (gpu/seq2seq/trainer.ts); validation reads the weights back and runs the float64 reference on the
// CPU: the teacher-forced loss, then greedy decoding for the accuracies.

import { CliError } from './errors.ts';
import { MetricsLog } from './metricsLog.ts';
import { inFile, readBytes, readJson, readText, writeOutput } from './files.ts';
import { withDevice } from './device.ts';
import { train as trainFamily } from './train.ts';
import { options, stepsOption } from './options.ts';
import { parseSeq2SeqBatchFile, parseSeq2SeqTrainConfig, SEQ2SEQ_VALIDATION_SIZE, type Seq2SeqDataset } from './seq2seqFiles.ts';
import { ConfigError } from '../../gpu/core/validate.ts';
import { readBuffer } from '../../gpu/core/readBuffer.ts';
import { Rng } from '../../gpu/core/rng.ts';
import { parseSeq2SeqConfig, type Seq2SeqConfig } from '../../gpu/seq2seq/config.ts';
import { createPairTask } from '../../gpu/seq2seq/tasks.ts';
import { PairFileError, pairFileTask } from '../../gpu/seq2seq/pairFile.ts';
import type { PairBatch, PairTask } from '../../gpu/seq2seq/pairs.ts';
import { Seq2SeqReference } from '../../gpu/seq2seq/reference.ts';
import { validatePairs } from '../../gpu/seq2seq/evaluate.ts';
import { Seq2SeqTrainer } from '../../gpu/seq2seq/trainer.ts';
import { teacherForcingJson, teacherForcingRatio } from '../../gpu/seq2seq/teacherForcing.ts';
import { decodeSeq2SeqOptimizerState, decodeSeq2SeqWeights, encodeSeq2SeqOptimizerState, encodeSeq2SeqWeights } from '../../gpu/seq2seq/weights.ts';

export async function seq2seqGrad(argv: string[]): Promise<number> {
  const o = options('grad --seq2seq', argv);
  const { cfg, batch, mask } = inFile(o.batch!, () => parseSeq2SeqBatchFile(readJson(o.batch!)));
  const weights = inFile(o.weights!, () => decodeSeq2SeqWeights(readBytes(o.weights!), cfg));
  // A mask with a 0 feeds the decoder its own predictions: a model built freeRunning takes it.
  const { loss, grads } = await withDevice(async (ctx) => {
    const trainer = new Seq2SeqTrainer(ctx, { model: cfg, S: batch.S, U: batch.U, B: batch.B, params: weights.params, freeRunning: !!mask });
    trainer.computeGradients(batch, mask ?? undefined);
    return { loss: (await readBuffer(ctx, trainer.model.buffers.metrics, 1))[0], grads: await trainer.readGrads() };
  });
  console.log(JSON.stringify({ loss, pairs: batch.B, source_steps: batch.S, target_steps: batch.U, computed_on: 'gpu' }));
  if (o.out) writeOutput(o.out, encodeSeq2SeqWeights(cfg, grads, weights.vocabulary ?? undefined, { 'rnnlab.kind': 'gradients' }));
  return 0;
}

/** The task of a config's dataset: a generated one, or a file of pairs (its errors name the file and line). */
function openPairTask(d: Seq2SeqDataset, seed: number, readText: (path: string) => string): PairTask {
  if ('task' in d) {
    try {
      return createPairTask(d.task, { seed, maxLength: d.maxLength });
    } catch (e) {
      throw new ConfigError('dataset', (e as Error).message);
    }
  }
  try {
    return pairFileTask(readText(d.pairs), { seed });
  } catch (e) {
    if (e instanceof PairFileError) throw new CliError(`${d.pairs}: ${e.message}`);
    throw e;
  }
}

/** The validation pairs: validationSize of a task's (default 256), or of a file's (default: all its validation pairs). */
function validationBatch(task: PairTask, size: number | undefined, d: Seq2SeqDataset): PairBatch {
  const held = task.validationSize;
  if (held !== undefined && size !== undefined && size > held)
    throw new ConfigError(
      'dataset.validationSize',
      `is ${size}, but ${'pairs' in d ? d.pairs : 'the data'} holds ${held} validation pair${held === 1 ? '' : 's'} (its last 10%, at least 1 and at most 1,000)`,
    );
  return task.validation(size ?? held ?? SEQ2SEQ_VALIDATION_SIZE.default);
}

export async function seq2seqTrain(argv: string[]): Promise<number> {
  const o = options('train --seq2seq', argv);
  const tc = inFile(o.config!, () => parseSeq2SeqTrainConfig(readJson(o.config!)));
  if (o.steps !== undefined) tc.steps = stepsOption(o.steps);
  const task = inFile(o.config!, () => openPairTask(tc.dataset, tc.seed, readText));
  const validation = inFile(o.config!, () => validationBatch(task, tc.validationSize, tc.dataset));
  const cfg: Seq2SeqConfig = inFile(o.config!, () => parseSeq2SeqConfig({ ...tc.modelFields, vocab: task.vocabulary.length }));
  const describe = 'task' in tc.dataset ? { task: tc.dataset.task, maxLength: tc.dataset.maxLength } : { pairs: tc.dataset.pairs };
  return trainFamily(o, {
    settings: tc,
    // What a resume must agree on: the model, the data, the batch size and the optimizer (not the
    // steps, logging, seed or the validation's size).
    record: {
      model: cfg,
      dataset: tc.dataset,
      batchSize: tc.batchSize,
      optimizer: tc.optimizer,
      ...(tc.teacherForcing ? { teacherForcing: teacherForcingJson(tc.teacherForcing) } : {}),
    },
    metadata: { 'rnnlab.data': JSON.stringify(describe) },
    readWeights: (path, bytes) => {
      const w = inFile(path, () => decodeSeq2SeqWeights(bytes, cfg));
      if (w.vocabulary && JSON.stringify(w.vocabulary) !== JSON.stringify(task.vocabulary))
        throw new CliError(
          `${path}: the weights were saved with another vocabulary (${w.vocabulary.slice(3).join('')} vs ${task.vocabulary.slice(3).join('')})`,
        );
      return w.params;
    },
    readOptimizerState: (bytes) => decodeSeq2SeqOptimizerState(bytes, cfg, tc.optimizer),
    start: (ctx, params) => {
      // Source and target tokens (<eos> included) trained since the last line.
      let tokensSinceLog = 0;
      const tf = tc.teacherForcing;
      const log = new MetricsLog((ms, steps, step) => {
        const rate = { tokens_per_s: Math.round((tokensSinceLog * 1000) / (ms * steps)) };
        tokensSinceLog = 0;
        // The ratio of the line's last step, when the run schedules one.
        return tf ? { ...rate, teacher_forcing: Math.round(teacherForcingRatio(tf, trainer.stepsBefore + step - 1) * 1e4) / 1e4 } : rate;
      });
      const B = tc.batchSize;
      const trainer = new Seq2SeqTrainer(ctx, {
        model: cfg,
        S: task.maxSource.train,
        U: task.maxTarget.train,
        B,
        optimizer: tc.optimizer,
        seed: tc.seed,
        params,
        metricsEvery: tc.logEvery,
        onMetrics: log.window,
        ...(tf ? { teacherForcing: tf } : {}),
      });
      const rng = new Rng(tc.seed + 1);
      const sum = (a: Uint32Array) => a.reduce((s, n) => s + n, 0);
      function* steps(): Generator<boolean, never> {
        for (;;) {
          const batch = task.batch(B, rng);
          tokensSinceLog += sum(batch.sourceLengths) + sum(batch.targetLengths);
          trainer.step(batch);
          yield true;
        }
      }
      const ref = new Seq2SeqReference(cfg);
      return {
        trainer,
        steps: steps(),
        skip: (steps) => {
          for (let i = 0; i < steps; i++) task.batch(B, rng);
          trainer.stepsBefore = steps; // the teacher-forcing schedule goes on from the saved step
        },
        validate: async () => {
          const v = validatePairs(ref, Float64Array.from(await trainer.readParams()), validation);
          log.restartClock(); // the validation's time is no training step's
          return { val_loss: v.loss, val_token_accuracy: v.accuracy, val_exact_match: v.exactMatch };
        },
      };
    },
    encodeWeights: (params, metadata) => encodeSeq2SeqWeights(cfg, params, task.vocabulary, metadata),
    encodeOptimizerState: (state) => encodeSeq2SeqOptimizerState(cfg, tc.optimizer, state),
  });
}
