// The CLI's sequence models: `rnnlab grad` and `rnnlab train` (see batchFile.ts and trainConfig.ts for the JSON).

import { CliError } from './errors.ts';
import { MetricsLog } from './metricsLog.ts';
import { parseBatchFile } from './batchFile.ts';
import { modelForData, parseTrainConfig } from './trainConfig.ts';
import { openDataSource } from './dataSource.ts';
import { inFile, readBytes, readJson, readText, writeOutput } from './files.ts';
import { sayVerbose, withDevice } from './device.ts';
import { train as trainFamily } from './train.ts';
import { checkStoredModel, runRecord } from './resume.ts';
import { KERNELS_KEY, stepKernelsFor } from './kernels.ts';
import { options, stepsOption } from './options.ts';
import { splitSteps } from '../../gpu/data/split.ts';
import { decodeSafetensors } from '../../gpu/io/safetensors.ts';
import { CONFIG_KEY, decodeOptimizerState, decodeWeights, encodeOptimizerState, encodeWeights } from '../../gpu/recurrent/weights.ts';
import { RecurrentTrainer } from '../../gpu/recurrent/trainer.ts';
import { readBuffer } from '../../gpu/core/readBuffer.ts';
import { mobyDick } from '../../gpu/data/corpus.node.ts';
import { checkBufferLimits } from '../../gpu/recurrent/memory.ts';

export async function grad(argv: string[]): Promise<number> {
  const o = options('grad', argv);
  const { cfg, batch, init } = inFile(o.batch!, () => parseBatchFile(readJson(o.batch!)));
  const weights = inFile(o.weights!, () => decodeWeights(readBytes(o.weights!), cfg));
  checkStoredModel(o.weights!, weights.metadata[CONFIG_KEY], cfg);
  const { loss, grads } = await withDevice(async (ctx) => {
    inFile(o.batch!, () => checkBufferLimits(cfg, batch.T, batch.B, ctx.limits));
    const trainer = new RecurrentTrainer(ctx, { model: cfg, T: batch.T, B: batch.B, params: weights.params });
    trainer.computeGradients(batch, init);
    return { loss: (await readBuffer(ctx, trainer.model.buffers.metrics, 1))[0], grads: await trainer.readGrads() };
  });
  console.log(JSON.stringify({ loss }));
  if (o.out) writeOutput(o.out, encodeWeights(cfg, grads, { 'rnnlab.kind': 'gradients' }));
  return 0;
}

export async function train(argv: string[]): Promise<number> {
  const o = options('train', argv);
  const tc = inFile(o.config!, () => parseTrainConfig(readJson(o.config!)));
  if (o.steps !== undefined) tc.steps = stepsOption(o.steps);
  const data = inFile(o.config!, () => openDataSource(tc.dataset, tc.seqLen, tc.batchSize, tc.seed, readText, () => mobyDick()));
  const cfg = inFile(o.config!, () => modelForData(tc.modelFields, data.model, tc.tbptt, tc.seqLen, data.predictsNextInput));
  const chunksPerBatch = tc.seqLen / tc.tbptt;
  const tokensPerStep = tc.tbptt * tc.batchSize;
  let kernelsName = '';
  return trainFamily(o, {
    settings: tc,
    record: runRecord(tc, cfg),
    metadata: data.metadata,
    readWeights: (path, bytes) => {
      checkStoredModel(path, inFile(path, () => decodeSafetensors(bytes)).metadata[CONFIG_KEY], cfg);
      const w = inFile(path, () => decodeWeights(bytes, cfg));
      for (const [key, value] of Object.entries(data.metadata))
        if (w.metadata[key] !== undefined && w.metadata[key] !== value) throw new CliError(`${path}: the weights were trained on other data (${key} differs)`);
      return w.params;
    },
    readOptimizerState: (bytes) => decodeOptimizerState(bytes, cfg, tc.optimizer),
    start: async (ctx, params, resumed) => {
      const log = new MetricsLog((ms) => ({ tokens_per_s: Math.round((tokensPerStep * 1000) / ms) }));
      inFile(o.config!, () => checkBufferLimits(cfg, tc.tbptt, tc.batchSize, ctx.limits, 'gpu', tc.seqLen));
      const chosen = await stepKernelsFor(ctx, cfg, tc.tbptt, tc.batchSize, o.kernels, resumed?.[KERNELS_KEY]);
      kernelsName = chosen.name;
      sayVerbose(`step kernels: ${chosen.name} (${chosen.source}${chosen.tookMs ? `, measured in ${Math.round(chosen.tookMs)} ms` : ''})`);
      const trainer = new RecurrentTrainer(ctx, {
        kernels: chosen.kernels,
        model: cfg,
        T: tc.tbptt,
        B: tc.batchSize,
        optimizer: tc.optimizer,
        seed: tc.seed,
        params,
        metricsEvery: tc.logEvery,
        onMetrics: log.window,
      });
      // Each batch of seqLen steps is trained in chunks of tbptt, the state carried from one to the next.
      const chunksOf = (batch: ReturnType<typeof data.next>) => (chunksPerBatch > 1 ? splitSteps(batch, tc.tbptt) : [batch]);
      function* steps(): Generator<boolean, never> {
        for (;;) {
          const chunks = chunksOf(data.next());
          for (const [i, chunk] of chunks.entries()) {
            trainer.step(chunk, { carryState: i > 0 });
            yield i === chunks.length - 1;
          }
        }
      }
      return {
        trainer,
        steps: steps(),
        skip: (steps) => {
          for (let i = Math.ceil(steps / chunksPerBatch); i > 0; i--) data.next();
        },
        validate: async () => {
          let total = 0;
          let weight = 0;
          for (const [i, chunk] of chunksOf(data.validation).entries()) {
            // Chunk losses are means over their real steps: weight them back into one mean.
            const w = chunk.lengths ? chunk.lengths.reduce((a, n) => a + n, 0) : chunk.T * chunk.B;
            total += (await trainer.evaluate(chunk, { carryState: i > 0 })) * w;
            weight += w;
          }
          return { val_loss: total / Math.max(weight, 1) };
        },
      };
    },
    encodeWeights: (params, metadata) => encodeWeights(cfg, params, { ...metadata, [KERNELS_KEY]: kernelsName }),
    encodeOptimizerState: (state) => encodeOptimizerState(cfg, tc.optimizer, state),
  });
}
