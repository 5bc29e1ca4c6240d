// Resuming `rnnlab train` from a checkpoint (--init w.safetensors with w.optim.safetensors beside
// it): the weights file records the run's config (`rnnlab.train`) and its step (`rnnlab.step`), the
// optimizer state its own step. A resume continues the saved run, so a config that differs from
// the saved one is refused with every difference listed, and an optimizer state that is not of the
// weights' step (a save cut short between the two files) is refused too. Starting a new run from
// trained weights (other optimizer settings, say) is an init without the optimizer state: only the
// model and the data have to match then.

import type { ModelConfig } from '../../gpu/recurrent/config.ts';
import type { TrainConfig } from './trainConfig.ts';
import type { TreeModelConfig } from '../../gpu/tree/config.ts';
import type { TreeTrainConfig } from './treeFiles.ts';
import type { Seq2SeqConfig } from '../../gpu/seq2seq/config.ts';
import type { Seq2SeqTrainConfig } from './seq2seqFiles.ts';
import { CliError } from './errors.ts';

export const TRAIN_KEY = 'rnnlab.train';
export const STEP_KEY = 'rnnlab.step';

/** What a run's checkpoint must agree on to be resumed (not steps, logging or the seed of new batches). */
export interface RunRecord {
  model: ModelConfig;
  dataset: TrainConfig['dataset'];
  seqLen: number;
  tbptt: number;
  batchSize: number;
  optimizer: TrainConfig['optimizer'];
}

/** A tree run's: the model, the data, the batch size and the optimizer. */
export interface TreeRunRecord {
  model: TreeModelConfig;
  dataset: TreeTrainConfig['dataset'];
  batchSize: number;
  optimizer: TreeTrainConfig['optimizer'];
}

/** An encoder–decoder run's: the model, the data (validation aside), the batch size and the optimizer. */
export interface Seq2SeqRunRecord {
  model: Seq2SeqConfig;
  dataset: Seq2SeqTrainConfig['dataset'];
  batchSize: number;
  optimizer: Seq2SeqTrainConfig['optimizer'];
}

/** What any family's run records. */
export type AnyRunRecord = RunRecord | TreeRunRecord | Seq2SeqRunRecord;

export function runRecord(tc: TrainConfig, model: ModelConfig): RunRecord {
  return { model, dataset: tc.dataset, seqLen: tc.seqLen, tbptt: tc.tbptt, batchSize: tc.batchSize, optimizer: tc.optimizer };
}

/** Dotted paths where two JSON values differ, with both values: `model.hidden: 64 (saved) → 128 (now)`. */
export function differences(saved: unknown, now: unknown, path = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(saved) && isObj(now)) {
    const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])];
    return keys.flatMap((k) =>
      differences(Object.hasOwn(saved, k) ? saved[k] : undefined, Object.hasOwn(now, k) ? now[k] : undefined, path ? `${path}.${k}` : k),
    );
  }
  if (JSON.stringify(saved) === JSON.stringify(now)) return [];
  const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v));
  return [`${path || 'the config'}: ${show(saved)} (saved) → ${show(now)} (now)`];
}

function parseStored(path: string, key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${path}: __metadata__ "${key}" is not valid JSON; the file is damaged`);
  }
}

/**
 * The architecture the weights were saved for must be this model's (every difference listed). The
 * loss is not compared: `grad` may take another loss on the same weights.
 */
export function checkStoredModel(path: string, stored: string | undefined, cfg: ModelConfig): void {
  if (stored === undefined) return;
  const saved = parseStored(path, 'rnnlab.config', stored);
  const pick = (c: unknown) => {
    const o = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
    return Object.fromEntries(['cell', 'nonlinearity', 'layers', 'hidden', 'input', 'output'].filter((k) => Object.hasOwn(o, k)).map((k) => [k, o[k]]));
  };
  const diff = differences(pick(saved), pick(cfg)).filter((d) => !/\(none\) \(saved\)/.test(d));
  if (diff.length) throw new CliError(`${path}: the weights were saved for another model: ${diff.join('; ')}`);
}

/**
 * A resume (weights and optimizer state): the saved run's config must be this one, and the optimizer
 * state must be of the weights' step. Weights without a record (older files, PyTorch's) pass.
 */
export function checkResume(path: string, optimPath: string, metadata: Record<string, string>, now: AnyRunRecord, optimizerStep: number): void {
  const stored = metadata[TRAIN_KEY];
  if (stored !== undefined) {
    const diff = differences(parseStored(path, TRAIN_KEY, stored), now);
    if (diff.length)
      throw new CliError(
        `${path}: this config differs from the run it resumes: ${diff.join('; ')}. ` +
          `A resume continues the saved run with its config; to start a new run from these weights, move ${optimPath} away (the optimizer then starts afresh).`,
      );
  }
  const step = metadata[STEP_KEY];
  if (step !== undefined && Number(step) !== optimizerStep)
    throw new CliError(
      `${optimPath}: the optimizer state is of step ${optimizerStep}, the weights in ${path} of step ${step}: the save was cut short between the two files. ` +
        `Move ${optimPath} away to resume with a fresh optimizer.`,
    );
}
