// The config of `rnnlab train`: the model fields (as in batch.json, input derived from the dataset)
// plus data and optimisation settings.
// {"cell":"rnn","nonlinearity":"tanh","hidden":128,"layers":1,"dataset":"moby-dick"|{"text":"file.txt"},
//  "seqLen":64,"batchSize":32,"steps":500,
//  "optimizer":{"kind":"adam","lr":0.002,"beta1":0.9,"beta2":0.999,"eps":1e-8,"weightDecay":0},
//  "clip":1.0,"seed":0,"logEvery":10}

import { ConfigError, field, intIn, isObject, MODEL_KEYS, noUnknownKeys, numberIn, parseModelConfig, type ModelConfig } from '../model/config.ts';
import { parseOptimizerConfig, type OptimizerConfig } from '../optim/config.ts';

export interface TrainConfig {
  /** Model fields as written; `input`/`output` are filled in from the dataset's vocabulary. */
  modelFields: Record<string, unknown>;
  dataset: { builtin: 'moby-dick' } | { text: string };
  seqLen: number;
  batchSize: number;
  steps: number;
  optimizer: OptimizerConfig;
  seed: number;
  logEvery: number;
}

const TRAIN_KEYS = ['dataset', 'seqLen', 'batchSize', 'steps', 'optimizer', 'clip', 'seed', 'logEvery'];

export function parseTrainConfig(raw: unknown): TrainConfig {
  if (!isObject(raw)) throw new ConfigError('', 'the config must be a JSON object');
  noUnknownKeys(raw, '', [...MODEL_KEYS, ...TRAIN_KEYS]);
  const modelFields = Object.fromEntries(MODEL_KEYS.filter((k) => k in raw).map((k) => [k, raw[k]]));
  let dataset: TrainConfig['dataset'];
  const d = raw.dataset ?? 'moby-dick';
  if (d === 'moby-dick') dataset = { builtin: 'moby-dick' };
  else if (isObject(d) && typeof d.text === 'string' && d.text.length > 0) {
    noUnknownKeys(d, 'dataset', ['text']);
    dataset = { text: d.text };
  } else throw new ConfigError('dataset', 'must be "moby-dick" or {"text": "path/to/file.txt"}');
  return {
    modelFields,
    dataset,
    seqLen: intIn(raw.seqLen ?? 64, 'seqLen', 1, 4096),
    batchSize: intIn(raw.batchSize ?? 32, 'batchSize', 1, 4096),
    steps: intIn(raw.steps ?? 200, 'steps', 0, 10_000_000),
    optimizer: { ...parseOptimizerConfig(raw.optimizer ?? { kind: 'adam', lr: 2e-3 }), clip: numberIn(raw.clip ?? 0, 'clip', 0, 1e9) },
    seed: intIn(raw.seed ?? 0, 'seed', 0, 2 ** 32 - 1),
    logEvery: intIn(raw.logEvery ?? 10, 'logEvery', 1, 100_000),
  };
}

/** The model config for a character dataset of `vocab` symbols. */
export function modelForVocab(fields: Record<string, unknown>, vocab: number): ModelConfig {
  if ('input' in fields) throw new ConfigError(field('', 'input'), 'is set by the dataset for train; leave it out');
  return parseModelConfig({ ...fields, input: { kind: 'tokens', vocab } });
}
