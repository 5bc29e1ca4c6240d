// rnnlab CLI: `train` and `grad`, on the same gpu/ code as the page (Node + Dawn).

import { parseArgs } from 'node:util';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { CliError } from './errors.ts';
import { MetricsLog } from './metricsLog.ts';
import { parseBatchFile } from './batchFile.ts';
import { modelForData, parseTrainConfig } from './trainConfig.ts';
import { openDataSource } from './dataSource.ts';
import { splitSteps } from '../../gpu/data/split.ts';
import { OPTIMIZER_KEY, optimizerPath } from '../../gpu/optimizer/state.ts';
import { decodeOptimizerState, encodeOptimizerState } from '../../gpu/recurrent/weights.ts';
import { type ModelConfig } from '../../gpu/recurrent/config.ts';
import { ConfigError } from '../../gpu/core/validate.ts';
import { decodeSafetensors, SafetensorsError } from '../../gpu/io/safetensors.ts';
import { CONFIG_KEY, decodeWeights, encodeWeights } from '../../gpu/recurrent/weights.ts';
import { requestNodeDevice } from '../../gpu/core/device.node.ts';
import type { GpuContext } from '../../gpu/core/context.ts';
import { RecurrentTrainer } from '../../gpu/recurrent/trainer.ts';
import { readBuffer } from '../../gpu/core/readBuffer.ts';
import { type OptimizerSnapshot } from '../../gpu/optimizer/state.ts';
import { InFlight } from '../../gpu/core/throttle.ts';
import { mobyDick } from '../../gpu/data/corpus.node.ts';
import { checkResume, checkStoredModel, runRecord, STEP_KEY, TRAIN_KEY } from './resume.ts';
import { checkBufferLimits } from '../../gpu/recurrent/memory.ts';
import { GpuLimitError } from '../../gpu/core/context.ts';
import { KernelLimitError } from '../../gpu/core/limits.ts';
import { TREE_USAGE, treeGrad, treeTrain } from './tree.ts';

const USAGE = `usage:
  rnnlab train --config cfg.json [--init w.safetensors] [--save out.safetensors] [--steps N]
  rnnlab grad --weights w.safetensors --batch batch.json [--out grads.safetensors]
${TREE_USAGE}`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // --tree: recursive networks over binary trees (bin/cli/tree.ts).
    const tree = rest.includes('--tree');
    const args = rest.filter((a) => a !== '--tree');
    if (command === 'train') return await (tree ? treeTrain(args) : train(args));
    if (command === 'grad') return await (tree ? treeGrad(args) : grad(args));
    if (command === undefined || command === '--help' || command === '-h') {
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    }
    throw new CliError(`unknown command "${command}"\n${USAGE}`);
  } catch (e) {
    // A model over the device's limits is a user error too: refused before anything ran, the limit named.
    if (e instanceof CliError || e instanceof GpuLimitError || e instanceof KernelLimitError) {
      console.error(`rnnlab: error: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

export function options(argv: string[], spec: Record<string, { required?: boolean }>): Record<string, string | undefined> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.keys(spec).map((k) => [k, { type: 'string' as const }])),
      strict: true,
    }).values;
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n${USAGE}`);
  }
  for (const [k, s] of Object.entries(spec)) if (s.required && values[k] === undefined) throw new CliError(`--${k} is required\n${USAGE}`);
  return values as Record<string, string | undefined>;
}

export function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new CliError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function readJson(path: string): unknown {
  const text = new TextDecoder().decode(readBytes(path));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Runs `parse`, turning config and file errors into one-line CLI errors that name the file. */
export function inFile<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(`${path}: ${e.message}`);
    if (e instanceof SafetensorsError) throw new CliError(`${path}: ${e.message}${e.offset !== undefined ? ` (byte offset ${e.offset})` : ''}`);
    throw e;
  }
}

/** Writes atomically: a half-written file never replaces a good one. */
export function writeOutput(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    // Durable: the new file's bytes reach the disk before it replaces the old one, and the rename
    // before we go on, so a crash leaves the previous file or the new one, whole.
    const fd = openSync(tmp, 'w');
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    syncDir(dirname(path));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CliError(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** fsync of a directory (its rename); some filesystems refuse it, which is no reason to fail. */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // EISDIR/EPERM/EINVAL on some platforms: the file itself was synced.
  }
}

function checkStoredConfig(path: string, metadata: Record<string, string>, cfg: ModelConfig): void {
  checkStoredModel(path, metadata[CONFIG_KEY], cfg);
}

export async function withDevice<T>(run: (ctx: GpuContext) => Promise<T>): Promise<T> {
  const ctx = await requestNodeDevice();
  // Dawn's promises (mapAsync, onSubmittedWorkDone) do not hold Node's event loop open by themselves.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const result = await run(ctx);
    if (ctx.errors.length) throw new Error(`GPU errors: ${ctx.errors.join('; ')}`);
    if (ctx.lostReason) throw new Error(`GPU device lost: ${ctx.lostReason}`);
    return result;
  } finally {
    // Dawn aborts the process at exit if a device is still alive.
    ctx.device.destroy();
    clearInterval(keepAlive);
  }
}

async function grad(argv: string[]): Promise<number> {
  const o = options(argv, { weights: { required: true }, batch: { required: true }, out: {} });
  const { cfg, batch, init } = inFile(o.batch!, () => parseBatchFile(readJson(o.batch!)));
  const weights = inFile(o.weights!, () => decodeWeights(readBytes(o.weights!), cfg));
  checkStoredConfig(o.weights!, weights.metadata, cfg);
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

async function train(argv: string[]): Promise<number> {
  const o = options(argv, { config: { required: true }, init: {}, save: {}, steps: {} });
  const tc = inFile(o.config!, () => parseTrainConfig(readJson(o.config!)));
  if (o.steps !== undefined) {
    const n = Number(o.steps);
    if (!Number.isInteger(n) || n < 0) throw new CliError(`--steps must be a non-negative integer, got ${JSON.stringify(o.steps)}`);
    tc.steps = n;
  }
  const data = inFile(o.config!, () =>
    openDataSource(
      tc.dataset,
      tc.seqLen,
      tc.batchSize,
      tc.seed,
      (path) => new TextDecoder().decode(readBytes(path)),
      () => mobyDick(),
    ),
  );
  const cfg = inFile(o.config!, () => modelForData(tc.modelFields, data.model, tc.tbptt, tc.seqLen));
  let params: Float32Array | undefined;
  let optimizerState: OptimizerSnapshot | undefined;
  if (o.init) {
    const bytes = readBytes(o.init);
    const statePath = optimizerPath(o.init);
    const resuming = existsSync(statePath);
    // A resume (weights and optimizer state) continues the saved run: its config, all of it, with
    // every difference listed before any shape is compared; and a state of the weights' step.
    const { metadata } = inFile(o.init, () => decodeSafetensors(bytes));
    if (resuming) checkResume(o.init, statePath, metadata, runRecord(tc, cfg), decodeStepOnly(statePath));
    checkStoredConfig(o.init, metadata, cfg);
    const w = inFile(o.init, () => decodeWeights(bytes, cfg));
    for (const [key, value] of Object.entries(data.metadata))
      if (w.metadata[key] !== undefined && w.metadata[key] !== value) throw new CliError(`${o.init}: the weights were trained on other data (${key} differs)`);
    params = w.params;
    if (resuming) optimizerState = inFile(statePath, () => decodeOptimizerState(readBytes(statePath), cfg, tc.optimizer));
  }
  const chunksPerBatch = tc.seqLen / tc.tbptt;
  const tokensPerStep = tc.tbptt * tc.batchSize;
  const saved = await withDevice(async (ctx) => {
    const log = new MetricsLog((ms) => ({ tokens_per_s: Math.round((tokensPerStep * 1000) / ms) }));
    inFile(o.config!, () => checkBufferLimits(cfg, tc.tbptt, tc.batchSize, ctx.limits, 'gpu', tc.seqLen));
    const trainer = new RecurrentTrainer(ctx, {
      model: cfg,
      T: tc.tbptt,
      B: tc.batchSize,
      optimizer: tc.optimizer,
      seed: tc.seed,
      params,
      metricsEvery: tc.logEvery,
      onMetrics: log.window,
    });
    if (optimizerState) {
      trainer.setOptimizerState(optimizerState);
      console.log(JSON.stringify({ resumed_optimizer_at_step: optimizerState.step }));
      // The resumed run trains on the batches that come after the saved steps', not on the first ones again.
      for (let i = Math.ceil(optimizerState.step / chunksPerBatch); i > 0; i--) data.next();
    }
    const inFlight = new InFlight(ctx.device);
    const validate = async () => {
      await inFlight.drain();
      await trainer.flushMetrics();
      const chunks = chunksPerBatch > 1 ? splitSteps(data.validation, tc.tbptt) : [data.validation];
      let total = 0;
      let weight = 0;
      for (const [i, chunk] of chunks.entries()) {
        // Chunk losses are means over their real steps: weight them back into one mean.
        const w = chunk.lengths ? chunk.lengths.reduce((a, n) => a + n, 0) : chunk.T * chunk.B;
        total += (await trainer.evaluate(chunk, { carryState: i > 0 })) * w;
        weight += w;
      }
      console.log(JSON.stringify({ step: trainer.steps, val_loss: total / Math.max(weight, 1) }));
    };
    while (trainer.steps < tc.steps) {
      const batch = data.next();
      const chunks = chunksPerBatch > 1 ? splitSteps(batch, tc.tbptt) : [batch];
      for (const [i, chunk] of chunks.entries()) {
        if (trainer.steps >= tc.steps) break;
        trainer.step(chunk, { carryState: i > 0 });
        await inFlight.submitted();
        if (tc.evalEvery && trainer.steps % tc.evalEvery === 0 && i === chunks.length - 1) await validate();
      }
    }
    await inFlight.drain();
    await trainer.flushMetrics();
    if (!tc.evalEvery || trainer.steps % tc.evalEvery !== 0) await validate();
    return { params: await trainer.readParams(), state: await trainer.readOptimizerState() };
  });
  if (o.save) {
    // The run's config and step travel with the weights, so a resume can check it continues this run.
    const record = { [TRAIN_KEY]: JSON.stringify(runRecord(tc, cfg)), [STEP_KEY]: String(saved.state.step) };
    writeOutput(o.save, encodeWeights(cfg, saved.params, { ...data.metadata, [OPTIMIZER_KEY]: JSON.stringify(tc.optimizer), ...record }));
    writeOutput(optimizerPath(o.save), encodeOptimizerState(cfg, tc.optimizer, saved.state));
  }
  return 0;
}

/** The step count of an optimizer state file, read from its header alone (-1 when it has none). */
function decodeStepOnly(path: string): number {
  const { metadata } = inFile(path, () => decodeSafetensors(readBytes(path)));
  const step = Number(metadata['rnnlab.step']);
  return Number.isInteger(step) ? step : -1;
}
