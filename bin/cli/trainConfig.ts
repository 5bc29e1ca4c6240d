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

const TRAIN_KEYS = ['dataset', 'seqLen', 'batchSize', 'steps', 'tbptt', 'optimizer', 'clip', 'seed', 'logEvery', 'evalEvery'];

export function parseTrainConfig(raw: unknown): TrainConfig {
  if (!isObject(raw)) throw new ConfigError('', 'the config must be a JSON object');
  noUnknownKeys(raw, '', [...MODEL_KEYS, ...TRAIN_KEYS]);
  const modelFields = Object.fromEntries(MODEL_KEYS.filter((k) => k in raw).map((k) => [k, raw[k]]));
  const seqLen = intIn(raw.seqLen ?? 64, 'seqLen', 1, 4096);
  const tbptt = intIn(raw.tbptt ?? seqLen, 'tbptt', 1, seqLen);
  if (seqLen % tbptt !== 0) throw new ConfigError('tbptt', `must divide seqLen (${seqLen}), got ${tbptt}`);
  return {
    modelFields,
    dataset: parseDataset(raw.dataset ?? 'moby-dick'),
    seqLen,
    batchSize: intIn(raw.batchSize ?? 32, 'batchSize', 1, 4096),
    steps: intIn(raw.steps ?? 200, 'steps', 0, 10_000_000),
    tbptt,
    optimizer: { ...parseOptimizerConfig(raw.optimizer ?? { kind: 'adam', lr: 2e-3 }), clip: numberIn(raw.clip ?? 0, 'clip', 0, 1e9) },
    seed: intIn(raw.seed ?? 0, 'seed', 0, 2 ** 32 - 1),
    logEvery: intIn(raw.logEvery ?? 10, 'logEvery', 1, 100_000),
    evalEvery: intIn(raw.evalEvery ?? 0, 'evalEvery', 0, 10_000_000),
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
): ModelConfig {
  for (const k of ['input', 'output', 'loss']) if (k in fields) throw new ConfigError(field('', k), 'is set by the dataset for train; leave it out');
  const cfg = parseModelConfig({ ...fields, ...data });
  if (tbptt < seqLen && perSequenceLoss(cfg))
    throw new ConfigError('tbptt', `truncated BPTT needs a loss at every step; this dataset's loss "${cfg.loss}" is on each sequence's end`);
  return cfg;
}
