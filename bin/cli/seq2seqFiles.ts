// The JSON files of the CLI's encoder–decoder (sequence-to-sequence) mode.
//
// batch.json for `rnnlab grad --seq2seq`:
//   {"cell", "nonlinearity", "layers", "hidden", "bidirectional", "attention", "attentionSize",
//    "vocab": V,                       (ids 0 <pad>, 1 <bos>, 2 <eos>; symbols are 3 … V-1)
//    "source": [[3, 4, 5], [6]],       (B sources of 1 or more symbol ids)
//    "target": [[5, 4, 3], []],        (B targets of symbol ids WITHOUT <eos>: the CLI appends it)
//    "mask": [[1, 0, 1], []]}          (optional, as target: 1 feeds target[b][i] to the decoder at the
//                                       next step, 0 its own previous prediction; default all 1)
//
// cfg.json for `rnnlab train --seq2seq`:
//   {"cell", "nonlinearity", "layers", "hidden", "bidirectional", "attention", "attentionSize",
//    "dataset": {"task": "reverse"|"sort"|"addition"|"dates", "maxLength"?, "validationSize"?}
//             | {"pairs": "pairs.tsv", "validationSize"?},
//    "batchSize", "steps", "optimizer", "clip", "seed", "logEvery", "evalEvery"}

import { parseTeacherForcing, type TeacherForcing } from '../../gpu/seq2seq/teacherForcing.ts';
import { ConfigError, field, intIn, isObject, noUnknownKeys, oneOf } from '../../gpu/core/validate.ts';
import { numberField, TRAIN_NUMBERS, type NumberField } from './trainConfig.ts';
import { parseOptimizerConfig, type OptimizerConfig } from '../../gpu/optimizer/config.ts';
import { parseSeq2SeqConfig, SEQ2SEQ_KEYS, type Seq2SeqConfig } from '../../gpu/seq2seq/config.ts';
import { EOS, SPECIALS, type PairBatch } from '../../gpu/seq2seq/pairs.ts';
import { PAIR_TASK_LENGTHS, PAIR_TASK_NAMES, type PairTaskName } from '../../gpu/seq2seq/tasks.ts';

/** The model fields a train config may hold: the vocabulary comes from the data. */
export const SEQ2SEQ_MODEL_FIELDS = SEQ2SEQ_KEYS.filter((k) => k !== 'vocab');
export const SEQ2SEQ_BATCH_KEYS = [...SEQ2SEQ_KEYS, 'source', 'target', 'mask'] as const;
/** The longest source or target a batch file may hold, and its most pairs. */
export const SEQ2SEQ_BATCH_LIMITS = { steps: TRAIN_NUMBERS.seqLen.max, pairs: TRAIN_NUMBERS.batchSize.max } as const;
/** The first symbol id: below it are the specials (<pad>, <bos>, <eos>). */
export const FIRST_SYMBOL = SPECIALS.length;

export interface Seq2SeqGradBatch {
  cfg: Seq2SeqConfig;
  batch: PairBatch;
  /** Teacher forcing per decoder row (u·B + b), as Seq2SeqReference takes it; null when every step is teacher-forced. */
  mask: Uint8Array | null;
}

/** A list of symbol ids at `path` (each in [3, V)), of at least `min` entries. */
function symbolIds(v: unknown, path: string, V: number, min: number): number[] {
  const max = SEQ2SEQ_BATCH_LIMITS.steps;
  if (!Array.isArray(v) || v.length < min || v.length > max)
    throw new ConfigError(path, `must be a list of ${min}–${max} symbol ids, got ${JSON.stringify(v)?.slice(0, 80)}`);
  v.forEach((id, i) => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < FIRST_SYMBOL || id >= V)
      throw new ConfigError(
        `${path}[${i}]`,
        `must be a symbol id in [${FIRST_SYMBOL}, ${V}) (0 <pad>, 1 <bos> and 2 <eos> are the specials; the CLI appends <eos> to each target), got ${JSON.stringify(id)}`,
      );
  });
  return v as number[];
}

export function parseSeq2SeqBatchFile(raw: unknown): Seq2SeqGradBatch {
  if (!isObject(raw)) throw new ConfigError('', 'the batch file must hold a JSON object');
  noUnknownKeys(raw, '', SEQ2SEQ_BATCH_KEYS);
  const cfg = parseSeq2SeqConfig(raw);
  const V = cfg.vocab;
  const { pairs } = SEQ2SEQ_BATCH_LIMITS;
  if (!Array.isArray(raw.source) || raw.source.length === 0 || raw.source.length > pairs)
    throw new ConfigError('source', `must be a list of 1–${pairs} sources (lists of symbol ids)`);
  const B = raw.source.length;
  const sources = raw.source.map((s, b) => symbolIds(s, `source[${b}]`, V, 1));
  if (!Array.isArray(raw.target) || raw.target.length !== B) throw new ConfigError('target', `must hold one target per source (${B})`);
  const targets = raw.target.map((t, b) => symbolIds(t, `target[${b}]`, V, 0));
  let masks: number[][] | null = null;
  if (raw.mask !== undefined) {
    if (!Array.isArray(raw.mask) || raw.mask.length !== B) throw new ConfigError('mask', `must hold one list per target (${B})`);
    masks = raw.mask.map((m, b) => {
      if (!Array.isArray(m) || m.length !== targets[b].length)
        throw new ConfigError(`mask[${b}]`, `must hold one 0 or 1 per symbol of target[${b}] (${targets[b].length}), got ${JSON.stringify(m)?.slice(0, 80)}`);
      m.forEach((x, i) => {
        if (x !== 0 && x !== 1) throw new ConfigError(`mask[${b}][${i}]`, `must be 0 or 1, got ${JSON.stringify(x)}`);
      });
      return m as number[];
    });
  }
  const S = Math.max(...sources.map((s) => s.length));
  const U = 1 + Math.max(...targets.map((t) => t.length));
  const batch: PairBatch = {
    B,
    S,
    U,
    source: new Uint32Array(S * B),
    sourceLengths: Uint32Array.from(sources, (s) => s.length),
    target: new Uint32Array(U * B),
    targetLengths: Uint32Array.from(targets, (t) => t.length + 1),
  };
  sources.forEach((s, b) => s.forEach((id, j) => (batch.source[j * B + b] = id)));
  targets.forEach((t, b) => {
    t.forEach((id, u) => (batch.target[u * B + b] = id));
    batch.target[t.length * B + b] = EOS;
  });
  // Decoder step u + 1 reads target[u] where mask[b][u] is 1, else its own prediction at step u.
  let mask: Uint8Array | null = null;
  if (masks?.some((m) => m.includes(0))) {
    mask = new Uint8Array(U * B).fill(1);
    masks.forEach((m, b) => m.forEach((x, u) => (mask![(u + 1) * B + b] = x)));
  }
  return { cfg, batch, mask };
}

export type Seq2SeqDataset = { task: PairTaskName; maxLength: number } | { pairs: string };

export interface Seq2SeqTrainConfig {
  /** Model fields as written (the vocabulary comes from the data). */
  modelFields: Record<string, unknown>;
  dataset: Seq2SeqDataset;
  /** Validation pairs (a task's; a file's, at most its validation count); undefined: the default. */
  validationSize: number | undefined;
  batchSize: number;
  steps: number;
  optimizer: OptimizerConfig;
  seed: number;
  logEvery: number;
  evalEvery: number;
  /** The teacher-forcing ratio's schedule (gpu/seq2seq/teacherForcing.ts); undefined: full teacher forcing. */
  teacherForcing: TeacherForcing | undefined;
}

export const SEQ2SEQ_TRAIN_KEYS = ['dataset', 'batchSize', 'steps', 'optimizer', 'clip', 'seed', 'logEvery', 'evalEvery', 'teacherForcing'] as const;

/** The number fields of `train --seq2seq`'s config: train's, with more steps, fewer log lines and clipping on. */
export const SEQ2SEQ_TRAIN_NUMBERS = {
  batchSize: TRAIN_NUMBERS.batchSize,
  steps: { ...TRAIN_NUMBERS.steps, default: 1000 },
  clip: { ...TRAIN_NUMBERS.clip, default: 1 },
  seed: TRAIN_NUMBERS.seed,
  logEvery: { ...TRAIN_NUMBERS.logEvery, default: 50 },
  evalEvery: TRAIN_NUMBERS.evalEvery,
} satisfies Record<string, NumberField>;

export const SEQ2SEQ_TRAIN_DEFAULTS = { optimizer: { kind: 'adam', lr: 5e-3 } } as const;
/** Validation pairs of a task (a file's default: all its validation pairs). Each validation decodes them all on the CPU. */
export const SEQ2SEQ_VALIDATION_SIZE = { default: 256, min: 1, max: 10_000 } satisfies NumberField;

export function parseSeq2SeqTrainConfig(raw: unknown): Seq2SeqTrainConfig {
  if (!isObject(raw)) throw new ConfigError('', 'the config must be a JSON object');
  if ('vocab' in raw) throw new ConfigError('vocab', 'is set by the dataset (its symbols and the 3 specials) for train; leave it out');
  noUnknownKeys(raw, '', [...SEQ2SEQ_MODEL_FIELDS, ...SEQ2SEQ_TRAIN_KEYS]);
  const n = SEQ2SEQ_TRAIN_NUMBERS;
  const { dataset, validationSize } = parseSeq2SeqDataset(raw.dataset);
  return {
    modelFields: Object.fromEntries(SEQ2SEQ_MODEL_FIELDS.filter((k) => k in raw).map((k) => [k, raw[k]])),
    dataset,
    validationSize,
    batchSize: numberField(raw, 'batchSize', n.batchSize),
    steps: numberField(raw, 'steps', n.steps),
    optimizer: { ...parseOptimizerConfig(raw.optimizer ?? SEQ2SEQ_TRAIN_DEFAULTS.optimizer), clip: numberField(raw, 'clip', n.clip, true) },
    seed: numberField(raw, 'seed', n.seed),
    logEvery: numberField(raw, 'logEvery', n.logEvery),
    evalEvery: numberField(raw, 'evalEvery', n.evalEvery),
    teacherForcing: raw.teacherForcing === undefined ? undefined : parseTeacherForcing(raw.teacherForcing),
  };
}

function parseSeq2SeqDataset(d: unknown): { dataset: Seq2SeqDataset; validationSize: number | undefined } {
  const path = 'dataset';
  const v = SEQ2SEQ_VALIDATION_SIZE;
  const size = (o: Record<string, unknown>) =>
    o.validationSize === undefined ? undefined : intIn(o.validationSize, field(path, 'validationSize'), v.min, v.max);
  if (isObject(d) && 'task' in d) {
    const task = oneOf(d.task, field(path, 'task'), PAIR_TASK_NAMES);
    noUnknownKeys(d, path, ['task', 'maxLength', 'validationSize']);
    const L = PAIR_TASK_LENGTHS[task];
    const maxLength = intIn(d.maxLength ?? L.default, field(path, 'maxLength'), L.min, L.max);
    return { dataset: { task, maxLength }, validationSize: size(d) ?? v.default };
  }
  if (isObject(d) && 'pairs' in d) {
    noUnknownKeys(d, path, ['pairs', 'validationSize']);
    if (typeof d.pairs !== 'string' || !d.pairs) throw new ConfigError(field(path, 'pairs'), 'must be a file path');
    return { dataset: { pairs: d.pairs }, validationSize: size(d) };
  }
  throw new ConfigError(
    path,
    `must be {"task": one of ${PAIR_TASK_NAMES.join(', ')}, "maxLength"?: N} or {"pairs": "pairs.tsv"} (one source<TAB>target per line)`,
  );
}
