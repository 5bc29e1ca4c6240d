// The JSON files of the CLI's tree mode.
//
// batch.json for `rnnlab grad --tree`:
//   {"cell": "rnn"|"lstm", "hidden": H, "classes": C, "heads": "root"|"all",
//    "vocab": ["tok", …] | V,            (a token list, or V: tokens are the ids "0" … "V-1")
//    "format": "sexpr"|"ptb",             (default "sexpr")
//    "binarize": "left"|"refuse",         (default "left")
//    "trees": ["(+ 3 (* 2 4))", …],
//    "labels": [1, …]}                    (root labels: required for sexpr; for ptb they replace the roots' labels)
//
// cfg.json for `rnnlab train --tree`:
//   {"cell", "hidden", "heads" (default: the task's), "dataset": {"task": "arithmetic"|"negation", …task options}
//      | {"trees": "train.txt", "validation": "dev.txt", "classes": C}   (PTB-style labelled trees),
//    "batchSize", "steps", "optimizer", "clip", "seed", "logEvery", "evalEvery"}

import { ConfigError, field, intIn, isObject, noUnknownKeys, oneOf } from '../../gpu/core/validate.ts';
import { numberField, TRAIN_NUMBERS, type NumberField } from './trainConfig.ts';
import { parseOptimizerConfig, type OptimizerConfig } from '../../gpu/optimizer/config.ts';
import { parseTreeModelConfig, TREE_MODEL_KEYS, TREE_MODEL_LIMITS, type TreeModelConfig } from '../../gpu/tree/config.ts';
import { parseTree, TreeParseError, type Tree, type TreeFormat } from '../../gpu/tree/parse.ts';
import { buildTreeBatch, headTargets, numericVocab, TreeDataError, vocabulary, type TreeBatch, type Vocab } from '../../gpu/tree/trees.ts';
import { TREE_TASK_NAMES, type TreeTaskName, type TreeTaskOptions } from '../../gpu/tree/tasks.ts';

export interface TreeGradBatch {
  cfg: TreeModelConfig;
  /** The token list, when the file gave one (checked against a weight file's). */
  tokens: string[] | null;
  vocab: Vocab;
  trees: Tree[];
  batch: TreeBatch;
}

export const TREE_BATCH_KEYS = [...TREE_MODEL_KEYS.filter((k) => k !== 'vocab'), 'vocab', 'format', 'binarize', 'trees', 'labels'];
export const TREE_FORMATS = ['sexpr', 'ptb'] as const;
export const BINARIZE = ['left', 'refuse'] as const;
export const TREE_BATCH_DEFAULTS = { format: 'sexpr', binarize: 'left' } as const;

export function parseTreeBatchFile(raw: unknown): TreeGradBatch {
  if (!isObject(raw)) throw new ConfigError('', 'the batch file must hold a JSON object');
  noUnknownKeys(raw, '', TREE_BATCH_KEYS);
  let tokens: string[] | null = null;
  let vocab: Vocab;
  if (Array.isArray(raw.vocab)) {
    raw.vocab.forEach((t, i) => {
      if (typeof t !== 'string' || t === '' || /[\s()]/.test(t))
        throw new ConfigError(`vocab[${i}]`, `must be a non-empty token without spaces or brackets, got ${JSON.stringify(t)}`);
    });
    if (raw.vocab.length === 0 || raw.vocab.length > TREE_MODEL_LIMITS.vocab)
      throw new ConfigError('vocab', `must hold 1 to ${TREE_MODEL_LIMITS.vocab} tokens`);
    tokens = raw.vocab as string[];
    try {
      vocab = vocabulary(tokens);
    } catch (e) {
      throw new ConfigError('vocab', (e as Error).message.replace(/^vocabulary: /, ''));
    }
  } else vocab = numericVocab(intIn(raw.vocab, 'vocab', 1, TREE_MODEL_LIMITS.vocab));
  const cfg = parseTreeModelConfig(raw, '', vocab.size);
  const format = oneOf(raw.format ?? TREE_BATCH_DEFAULTS.format, 'format', TREE_FORMATS);
  const binarize = oneOf(raw.binarize ?? TREE_BATCH_DEFAULTS.binarize, 'binarize', BINARIZE);
  if (!Array.isArray(raw.trees) || raw.trees.length === 0) throw new ConfigError('trees', 'must be a non-empty array of bracketed trees (strings)');
  const trees = raw.trees.map((text, i) => parseTreeField(text, `trees[${i}]`, format, binarize, cfg.classes));
  if (raw.labels !== undefined || format === 'sexpr') {
    if (!Array.isArray(raw.labels) || raw.labels.length !== trees.length)
      throw new ConfigError('labels', `must hold one root label per tree (${trees.length})${format === 'sexpr' ? ': S-expressions carry no labels' : ''}`);
    raw.labels.forEach((y, i) => {
      if (typeof y !== 'number' || !Number.isInteger(y) || y < 0 || y >= cfg.classes)
        throw new ConfigError(`labels[${i}]`, `must be an integer class in [0, ${cfg.classes}), got ${JSON.stringify(y)}`);
      trees[i].label = y;
    });
  }
  let batch: TreeBatch;
  try {
    batch = buildTreeBatch(trees, vocab, cfg.classes);
    headTargets(batch, cfg.heads);
  } catch (e) {
    if (e instanceof TreeDataError) throw new ConfigError('trees', e.message);
    throw e;
  }
  if (!batch.label.some((l) => l >= 0)) throw new ConfigError('trees', 'no node carries a label');
  return { cfg, tokens, vocab, trees, batch };
}

function parseTreeField(text: unknown, path: string, format: TreeFormat, binarize: 'left' | 'refuse', classes: number): Tree {
  if (typeof text !== 'string') throw new ConfigError(path, `must be a bracketed tree in a string, got ${JSON.stringify(text)}`);
  try {
    return parseTree(text, format, { binarize, classes });
  } catch (e) {
    if (e instanceof TreeParseError) throw new ConfigError(path, e.message);
    throw e;
  }
}

export type TreeDataset = { task: TreeTaskName; options: TreeTaskOptions } | { trees: string; validation: string; classes?: number };

export interface TreeTrainConfig {
  /** Model fields as written (vocab and classes come from the data). */
  modelFields: Record<string, unknown>;
  dataset: TreeDataset;
  batchSize: number;
  steps: number;
  optimizer: OptimizerConfig;
  seed: number;
  logEvery: number;
  evalEvery: number;
}

export const TREE_MODEL_FIELDS = ['cell', 'hidden', 'heads'] as const;
export const TREE_TRAIN_KEYS = ['dataset', 'batchSize', 'steps', 'optimizer', 'clip', 'seed', 'logEvery', 'evalEvery'] as const;

/** The number fields of `train --tree`'s config: train's, with more steps and fewer log lines. */
export const TREE_TRAIN_NUMBERS = {
  batchSize: TRAIN_NUMBERS.batchSize,
  steps: { ...TRAIN_NUMBERS.steps, default: 1000 },
  clip: TRAIN_NUMBERS.clip,
  seed: TRAIN_NUMBERS.seed,
  logEvery: { ...TRAIN_NUMBERS.logEvery, default: 50 },
  evalEvery: TRAIN_NUMBERS.evalEvery,
} satisfies Record<string, NumberField>;

export const TREE_TRAIN_DEFAULTS = { optimizer: { kind: 'adam', lr: 5e-3 } } as const;

/**
 * The sizes of a tree task's trees: training trees of `train` (a depth or a height), validation
 * trees deeper by `deeper` by default and at most `validationMax`, and how many validation trees.
 */
export const TREE_TASK_SIZES = {
  arithmetic: { keys: ['trainDepth', 'validationDepth'], train: { default: 2, min: 1, max: 8 }, deeper: 2, validationMax: 10 },
  negation: { keys: ['trainHeight', 'validationHeight'], train: { default: 4, min: 1, max: 12 }, deeper: 3, validationMax: 14 },
} as const;
export const TREE_VALIDATION_SIZE = { default: 500, min: 1, max: 100_000 } satisfies NumberField;

export function parseTreeTrainConfig(raw: unknown): TreeTrainConfig {
  if (!isObject(raw)) throw new ConfigError('', 'the config must be a JSON object');
  noUnknownKeys(raw, '', [...TREE_MODEL_FIELDS, ...TREE_TRAIN_KEYS]);
  const n = TREE_TRAIN_NUMBERS;
  const seed = numberField(raw, 'seed', n.seed);
  return {
    modelFields: Object.fromEntries(TREE_MODEL_FIELDS.filter((k) => k in raw).map((k) => [k, raw[k]])),
    dataset: parseTreeDataset(raw.dataset, seed),
    batchSize: numberField(raw, 'batchSize', n.batchSize),
    steps: numberField(raw, 'steps', n.steps),
    optimizer: { ...parseOptimizerConfig(raw.optimizer ?? TREE_TRAIN_DEFAULTS.optimizer), clip: numberField(raw, 'clip', n.clip, true) },
    seed,
    logEvery: numberField(raw, 'logEvery', n.logEvery),
    evalEvery: numberField(raw, 'evalEvery', n.evalEvery),
  };
}

function parseTreeDataset(d: unknown, seed: number): TreeDataset {
  const path = 'dataset';
  if (isObject(d) && 'task' in d) {
    const task = oneOf(d.task, field(path, 'task'), TREE_TASK_NAMES);
    const size = TREE_TASK_SIZES[task];
    const keys = size.keys;
    noUnknownKeys(d, path, ['task', ...keys, 'validationSize']);
    const options: TreeTaskOptions = { seed };
    const lo = intIn(d[keys[0]] ?? size.train.default, field(path, keys[0]), size.train.min, size.train.max);
    const hi = intIn(d[keys[1]] ?? lo + size.deeper, field(path, keys[1]), lo + 1, size.validationMax);
    Object.assign(options, { [keys[0]]: lo, [keys[1]]: hi });
    const v = TREE_VALIDATION_SIZE;
    options.validationSize = intIn(d.validationSize ?? v.default, field(path, 'validationSize'), v.min, v.max);
    return { task, options };
  }
  if (isObject(d) && 'trees' in d) {
    noUnknownKeys(d, path, ['trees', 'validation', 'classes']);
    const file = (k: string) => {
      if (typeof d[k] !== 'string' || !d[k]) throw new ConfigError(field(path, k), 'must be a file path');
      return d[k] as string;
    };
    return {
      trees: file('trees'),
      validation: file('validation'),
      classes: d.classes === undefined ? undefined : intIn(d.classes, field(path, 'classes'), 1, TREE_MODEL_LIMITS.classes),
    };
  }
  throw new ConfigError(
    path,
    `must be {"task": one of ${TREE_TASK_NAMES.join(', ')}} or {"trees": "train.txt", "validation": "dev.txt"} (PTB-style labelled trees)`,
  );
}
