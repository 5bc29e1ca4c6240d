// `rnnlab train` for every model family: start from --init (a resume when the optimizer state is
// beside the weights), the training loop with its validations, and --save. A family (sequence.ts,
// tree.ts) brings what differs: its model, data and trainer, its validation line and its files.

import { existsSync } from 'node:fs';
import type { GpuContext } from '../../gpu/core/context.ts';
import { InFlight } from '../../gpu/core/throttle.ts';
import { decodeSafetensors } from '../../gpu/io/safetensors.ts';
import type { OptimizerConfig } from '../../gpu/optimizer/config.ts';
import { OPTIMIZER_KEY, optimizerPath, type OptimizerSnapshot } from '../../gpu/optimizer/state.ts';
import type { FlatModel, Trainer } from '../../gpu/training/trainer.ts';
import { withDevice } from './device.ts';
import { inFile, readBytes, writeOutput } from './files.ts';
import { checkResume, STEP_KEY, TRAIN_KEY, type AnyRunRecord } from './resume.ts';

/** A family's run on the device. */
export interface TrainRun {
  trainer: Trainer<FlatModel>;
  /** Takes the next training step when pulled (dispatched, not awaited); true when it ends a batch (only then may a validation follow). */
  steps: Iterator<boolean, never>;
  /** Drops the data of the first `steps` steps: a resumed run trains on what comes after them. */
  skip(steps: number): void;
  /** The validation line's fields (after its `step`). */
  validate(): Promise<Record<string, number>>;
}

/** What `train` needs from a model family. */
export interface TrainFamily {
  settings: { steps: number; evalEvery: number; optimizer: OptimizerConfig };
  /** What a resume must agree on; saved with the weights (rnnlab.train). */
  record: AnyRunRecord;
  /** Saved with the weights before the run's own keys: what the data was. */
  metadata: Record<string, string>;
  /** The flat weights of an --init file, checked against this run's model and data. */
  readWeights(path: string, bytes: Uint8Array): Float32Array;
  readOptimizerState(bytes: Uint8Array): OptimizerSnapshot;
  /** `resumed`: the metadata of the weights a resumed run continues (null for a new run). */
  start(ctx: GpuContext, params: Float32Array | undefined, resumed: Record<string, string> | null): TrainRun | Promise<TrainRun>;
  encodeWeights(params: Float32Array, metadata: Record<string, string>): Uint8Array;
  encodeOptimizerState(state: OptimizerSnapshot): Uint8Array;
}

export async function train(files: { init?: string; save?: string }, family: TrainFamily): Promise<number> {
  const { params, optimizerState, metadata } = files.init ? readInit(files.init, family) : {};
  const saved = await withDevice(async (ctx) => {
    const run = await family.start(ctx, params, metadata ?? null);
    if (optimizerState) {
      run.trainer.setOptimizerState(optimizerState);
      console.log(JSON.stringify({ resumed_optimizer_at_step: optimizerState.step }));
      run.skip(optimizerState.step);
    }
    await trainLoop(ctx, run, family.settings);
    return run.trainer.readCheckpoint();
  });
  if (files.save) {
    // The run's config and step travel with the weights, so a resume can check it continues this run;
    // the optimizer state goes beside them (out.optim.safetensors).
    const { settings, record } = family;
    const run = { [OPTIMIZER_KEY]: JSON.stringify(settings.optimizer), [TRAIN_KEY]: JSON.stringify(record), [STEP_KEY]: String(saved.optimizer.step) };
    writeOutput(files.save, family.encodeWeights(saved.params, { ...family.metadata, ...run }));
    writeOutput(optimizerPath(files.save), family.encodeOptimizerState(saved.optimizer));
  }
  return 0;
}

/**
 * The weights of --init and, when the optimizer state is beside them, that state: a resume, which
 * must continue the saved run (its config, all of it, with every difference listed before any shape is
 * compared) from a state of the weights' step.
 */
function readInit(path: string, family: TrainFamily): { params: Float32Array; optimizerState?: OptimizerSnapshot; metadata?: Record<string, string> } {
  const bytes = readBytes(path);
  const statePath = optimizerPath(path);
  if (!existsSync(statePath)) return { params: family.readWeights(path, bytes) };
  const { metadata } = inFile(path, () => decodeSafetensors(bytes));
  const stateBytes = readBytes(statePath);
  const step = Number(inFile(statePath, () => decodeSafetensors(stateBytes)).metadata[STEP_KEY]);
  checkResume(path, statePath, metadata, family.record, Number.isInteger(step) ? step : -1);
  const params = family.readWeights(path, bytes);
  return { params, optimizerState: inFile(statePath, () => family.readOptimizerState(stateBytes)), metadata };
}

/** Steps to `steps`, validating every `evalEvery` steps where a batch ends, and at the end unless the last step just did. */
async function trainLoop(ctx: GpuContext, run: TrainRun, { steps, evalEvery }: TrainFamily['settings']): Promise<void> {
  const { trainer } = run;
  const inFlight = new InFlight(ctx.device);
  const validate = async () => {
    await inFlight.drain();
    await trainer.flushMetrics();
    console.log(JSON.stringify({ step: trainer.steps, ...(await run.validate()) }));
  };
  while (trainer.steps < steps) {
    const endsBatch = run.steps.next().value;
    await inFlight.submitted();
    if (evalEvery && trainer.steps % evalEvery === 0 && endsBatch) await validate();
  }
  await inFlight.drain();
  await trainer.flushMetrics();
  if (!evalEvery || trainer.steps % evalEvery !== 0) await validate();
}
