// The config of `rnnlab train`: the model fields (as in batch.json; input, output and loss come from
// the dataset) plus data and optimisation settings.
// {"cell":"lstm","hidden":128,"layers":1,
//  "dataset":"moby-dick" | {"text":"file.txt"} | {"task":"adding"|"copy"|"sine"|"mackey-glass"|"tagging"},
//  "seqLen":64,"batchSize":32,"steps":500,"tbptt":16,
//  "optimizer":{"kind":"adam","lr":0.002,"beta1":0.9,"beta2":0.999,"eps":1e-8,"weightDecay":0},
//  "clip":1.0,"seed":0,"logEvery":10,"evalEvery":100}

import { MODEL_KEYS, parseModelConfig, perSequenceLoss, type ModelConfig } from '../../gpu/recurrent/config.ts';
import { ConfigError, field, intIn, isObject, noUnknownKeys, numberIn, oneOf } from '../../gpu/core/validate.ts';
import { parseOptimizerConfig, type OptimizerConfig } from '../../gpu/optimizer/config.ts';
import { TASK_NAMES } from '../../gpu/data/tasks/index.ts';

export type Dataset = { builtin: 'moby-dick' } | { text: string } | { task: string };

export interface TrainConfig {
  /** Model fields as written; `input`, `output` and `loss` are filled in from the dataset. */
  modelFields: Record<string, unknown>;
  dataset: Dataset;
  seqLen: number;
  batchSize: number;
  steps: number;
  /** Truncated BPTT length (divides seqLen); seqLen = full BPTT. */
  tbptt: number;
  optimizer: OptimizerConfig;
  seed: number;
  logEvery: number;
  /** Validation loss every N steps (and at the end); 0 = at the end only. */
  evalEvery: number;
}

export const TRAIN_KEYS = ['dataset', 'seqLen', 'batchSize', 'steps', 'tbptt', 'optimizer', 'clip', 'seed', 'logEvery', 'evalEvery'] as const;

/** A number field's default and range. */
export interface NumberField {
  default: number;
  min: number;
  max: number;
}

/** The number fields of train's config (tbptt's default and bound are seqLen): the parser's, and what `rnnlab help train` prints. */
export const TRAIN_NUMBERS = {
  seqLen: { default: 64, min: 1, max: 4096 },
  batchSize: { default: 32, min: 1, max: 4096 },
  steps: { default: 200, min: 0, max: 10_000_000 },
  clip: { default: 0, min: 0, max: 1e9 },
  seed: { default: 0, min: 0, max: 2 ** 32 - 1 },
  logEvery: { default: 10, min: 1, max: 100_000 },
  evalEvery: { default: 0, min: 0, max: 10_000_000 },
} satisfies Record<string, NumberField>;

export const TRAIN_DEFAULTS = { dataset: 'moby-dick', optimizer: { kind: 'adam', lr: 2e-3 } } as const;

/** Reads a number field of `raw` against its default and range (an integer unless `real`). */
export function numberField(raw: Record<string, unknown>, key: string, f: NumberField, real = false): number {
  return (real ? numberIn : intIn)(raw[key] ?? f.default, key, f.min, f.max);
}

export function parseTrainConfig(raw: unknown): TrainConfig {
  if (!isObject(raw)) throw new ConfigError('', 'the config must be a JSON object');
  noUnknownKeys(raw, '', [...MODEL_KEYS, ...TRAIN_KEYS]);
  const modelFields = Object.fromEntries(MODEL_KEYS.filter((k) => k in raw).map((k) => [k, raw[k]]));
  const n = TRAIN_NUMBERS;
  const seqLen = numberField(raw, 'seqLen', n.seqLen);
  const tbptt = intIn(raw.tbptt ?? seqLen, 'tbptt', 1, seqLen);
  if (seqLen % tbptt !== 0) throw new ConfigError('tbptt', `must divide seqLen (${seqLen}), got ${tbptt}`);
  return {
    modelFields,
    dataset: parseDataset(raw.dataset ?? TRAIN_DEFAULTS.dataset),
    seqLen,
    batchSize: numberField(raw, 'batchSize', n.batchSize),
    steps: numberField(raw, 'steps', n.steps),
    tbptt,
    optimizer: { ...parseOptimizerConfig(raw.optimizer ?? TRAIN_DEFAULTS.optimizer), clip: numberField(raw, 'clip', n.clip, true) },
    seed: numberField(raw, 'seed', n.seed),
    logEvery: numberField(raw, 'logEvery', n.logEvery),
    evalEvery: numberField(raw, 'evalEvery', n.evalEvery),
  };
}

function parseDataset(d: unknown): Dataset {
  if (d === 'moby-dick') return { builtin: 'moby-dick' };
  if (isObject(d) && 'text' in d) {
    noUnknownKeys(d, 'dataset', ['text']);
    if (typeof d.text !== 'string' || !d.text) throw new ConfigError('dataset.text', 'must be a file path');
    return { text: d.text };
  }
  if (isObject(d) && 'task' in d) {
    noUnknownKeys(d, 'dataset', ['task']);
    return { task: oneOf(d.task, 'dataset.task', TASK_NAMES as readonly string[]) };
  }
  throw new ConfigError('dataset', `must be "moby-dick", {"text": "path/to/file.txt"} or {"task": one of ${TASK_NAMES.join(', ')}}`);
}

/** The model for a dataset that fixes the input, the output size and the loss. */
export function modelForData(
  fields: Record<string, unknown>,
  data: Pick<ModelConfig, 'input' | 'output' | 'loss'>,
  tbptt: number,
  seqLen: number,
  predictsNextInput = false,
): ModelConfig {
  for (const k of ['input', 'output', 'loss']) if (k in fields) throw new ConfigError(field('', k), 'is set by the dataset for train; leave it out');
  const cfg = parseModelConfig({ ...fields, ...data });
  if (tbptt < seqLen && perSequenceLoss(cfg))
    throw new ConfigError('tbptt', `truncated BPTT needs a loss at every step; this dataset's loss "${cfg.loss}" is on each sequence's end`);
  if (cfg.bidirectional && tbptt < seqLen)
    throw new ConfigError(
      'tbptt',
      'a bidirectional model reads each sequence whole (its reverse direction starts at the end): leave tbptt out or set it to seqLen',
    );
  if (cfg.bidirectional && predictsNextInput)
    throw new ConfigError(
      'bidirectional',
      "this dataset asks for the next step's input, which a bidirectional model has already read (its reverse direction starts at the end): use a unidirectional model here, and bidirectional for a task such as tagging",
    );
  return cfg;
}
