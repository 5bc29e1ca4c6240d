// The settings form's schema. The form holds what the user typed (strings, so "3e-3" or a half-typed
// "12" survive a re-render); zod turns it into numbers and names the field of every problem, so each
// message can be shown next to its input.

import { z } from 'zod';
import { MODEL_LIMITS } from '../../gpu/recurrent/config.ts';
import { SEQ2SEQ_SESSION_LIMITS, TREE_SESSION_LIMITS } from '../../gpu/session/protocol.ts';
import { ATTENTIONS, type Attention } from '../../gpu/seq2seq/config.ts';
import { TEACHER_FORCING_STEPS } from '../../gpu/seq2seq/teacherForcing.ts';
import { PAIR_TASK_LENGTHS } from '../../gpu/seq2seq/tasks.ts';
import {
  datasetInfo,
  isSeq2SeqDataset,
  isTreeDataset,
  PAIRS_UPLOAD,
  SEQ2SEQ_DATASETS,
  TREE_CELLS,
  TREE_DATASETS,
  TREE_UPLOAD,
  type DatasetId,
  type TreeCellChoice,
} from './datasets.ts';
import { minTextChars } from '../upload/validateText.ts';
import { minSeriesLength } from '../../gpu/data/series.ts';

// No code generation: zod's JIT compiles object parsers with `new Function`, which the page's
// Content-Security-Policy (no 'unsafe-eval') refuses, and reports as a violation. Before any schema.
z.config({ jitless: true });

/** The recurrent cells (sequence datasets); the tree datasets take TREE_CELLS instead. */
export const CELL_CHOICES = ['rnn-tanh', 'rnn-relu', 'gru', 'lstm'] as const;
export type CellChoice = (typeof CELL_CHOICES)[number] | TreeCellChoice;
export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
export type OptimizerChoice = (typeof OPTIMIZERS)[number];

export interface FormValues {
  dataset: DatasetId;
  cell: CellChoice;
  hidden: string;
  layers: string;
  /** Each layer also reads every sequence backwards (PyTorch's bidirectional=True): a checkbox, so a boolean. */
  bidirectional: boolean;
  seqLen: string;
  tbptt: string;
  batchSize: string;
  optimizer: OptimizerChoice;
  lr: string;
  clip: string;
  seed: string;
  /** Tree datasets: the depth (arithmetic) or height (sentiment) of training trees, and of the deeper validation trees. */
  trainDepth: string;
  validationDepth: string;
  /** Encoder–decoders: how the decoder looks at the encoder's outputs ('none': the final state only). */
  attention: Attention;
  /** Encoder–decoders on a generated task: its training size (symbols, digits per operand, or characters of a date). */
  maxLength: string;
  /** Encoder–decoders: the teacher-forcing ratio at step 0 (1: the decoder always reads the target's previous symbol). */
  teacherForcing: string;
  /** Encoder–decoders: 0 keeps the ratio; N > 0 lowers it linearly to 0 by step N (scheduled sampling). */
  teacherForcingSteps: string;
}

export type FieldName = keyof FormValues;
export type FieldErrors = Partial<Record<FieldName, string>>;

const LIMITS = { seqLen: 1024, batchSize: 1024, seed: 2 ** 31 - 1 } as const;

const number = (check: (n: z.ZodNumber) => z.ZodNumber) =>
  z
    .string()
    .trim()
    .min(1, 'Required.')
    .pipe(z.coerce.number<string>({ error: 'Must be a number.' }).pipe(check(z.number())));

const int = (min: number, max: number) => number((n) => n.int('Must be a whole number.').min(min, `At least ${min}.`).max(max, `At most ${max}.`));

const schema = z.object({
  dataset: z.enum([
    'moby-dick',
    'first-names',
    'adding',
    'copy',
    'sine',
    'mackey-glass',
    'tagging',
    'upload',
    'series',
    ...TREE_DATASETS,
    TREE_UPLOAD,
    ...SEQ2SEQ_DATASETS,
    PAIRS_UPLOAD,
  ]),
  cell: z.enum([...CELL_CHOICES, ...TREE_CELLS]),
  hidden: int(1, MODEL_LIMITS.hidden),
  layers: int(1, MODEL_LIMITS.layers),
  // Absent (a form from before the field): off.
  bidirectional: z.boolean({ error: 'Must be on or off.' }).default(false),
  seqLen: int(1, LIMITS.seqLen),
  tbptt: int(1, LIMITS.seqLen),
  batchSize: int(1, LIMITS.batchSize),
  optimizer: z.enum(OPTIMIZERS),
  lr: number((n) => n.gt(0, 'Must be above 0.').max(10, 'At most 10.')),
  clip: number((n) => n.min(0, 'At least 0 (0 turns clipping off).').max(1e6, 'At most 1e6.')),
  seed: int(0, LIMITS.seed),
  trainDepth: int(1, TREE_SESSION_LIMITS.trainDepth),
  validationDepth: int(2, TREE_SESSION_LIMITS.validationDepth),
  attention: z.enum(ATTENTIONS),
  // The task's own range is checked with the dataset (seq2seqChecks).
  maxLength: int(1, 100),
  teacherForcing: number((n) => n.min(0, 'At least 0.').max(1, 'At most 1 (a share of the steps).')),
  teacherForcingSteps: int(0, TEACHER_FORCING_STEPS.max),
});

export type Settings = z.output<typeof schema>;

/** What the form's values depend on beyond themselves: the uploaded text and CSV column, if any. */
export interface SchemaContext {
  uploadChars: number | null;
  /** The values in the chosen CSV column (absent: none uploaded). */
  seriesValues?: number | null;
  /** The trees in the uploaded tree file (absent: none uploaded). */
  treeFile?: number | null;
  /** The pairs in the uploaded pairs file (absent: none uploaded). */
  pairFile?: number | null;
}

export type ParseResult = { ok: true; settings: Settings } | { ok: false; errors: FieldErrors };

export function parseSettings(values: FormValues, context: SchemaContext): ParseResult {
  const d = datasetInfo(values.dataset).defaults;
  // The sequence fields do not apply to a tree dataset (the form hides them), nor the depths to a tree file: defaults stand in.
  if (isTreeDataset(values.dataset)) {
    values = {
      ...values,
      layers: d.layers,
      bidirectional: false,
      seqLen: d.seqLen,
      tbptt: d.tbptt,
      ...(values.dataset === TREE_UPLOAD ? { trainDepth: d.trainDepth, validationDepth: d.validationDepth } : {}),
    };
  }
  // Nor to an encoder–decoder (whole pairs, no depths; a pairs file has no training size).
  if (isSeq2SeqDataset(values.dataset))
    values = {
      ...values,
      seqLen: d.seqLen,
      tbptt: d.tbptt,
      trainDepth: d.trainDepth,
      validationDepth: d.validationDepth,
      ...(values.dataset === PAIRS_UPLOAD ? { maxLength: d.maxLength } : {}),
    };
  // The encoder–decoder's fields apply to nothing else.
  else values = { ...values, attention: d.attention, maxLength: d.maxLength, teacherForcing: d.teacherForcing, teacherForcingSteps: d.teacherForcingSteps };
  const result = schema.safeParse(values);
  const errors: FieldErrors = {};
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = issue.path[0] as FieldName;
      errors[name] ??= issue.message;
    }
  }
  const s = result.success ? result.data : null;
  if (isTreeDataset(values.dataset)) {
    treeChecks(values, errors);
    if (values.dataset === TREE_UPLOAD && (context.treeFile ?? null) === null) errors.dataset = 'Upload a tree file first.';
    if (s && Object.keys(errors).length === 0) return { ok: true, settings: s };
    return { ok: false, errors };
  }
  if (isSeq2SeqDataset(values.dataset)) {
    seq2seqChecks(values, errors);
    if (values.dataset === PAIRS_UPLOAD && (context.pairFile ?? null) === null) errors.dataset = 'Upload a pairs file first.';
    if (s && Object.keys(errors).length === 0) return { ok: true, settings: s };
    return { ok: false, errors };
  }
  if (!errors.cell && (TREE_CELLS as readonly string[]).includes(values.cell))
    errors.cell = 'Tree RNN and Tree-LSTM train on the tree datasets only: pick an RNN, GRU or LSTM.';
  // Checks across fields, on the fields that parsed on their own.
  const seqLen = errors.seqLen ? null : Number(values.seqLen);
  const tbptt = errors.tbptt ? null : Number(values.tbptt);
  if (seqLen !== null && tbptt !== null && seqLen % tbptt !== 0)
    errors.tbptt = `Must divide the sequence length (${seqLen}): try ${divisorsNear(seqLen, tbptt)}.`;
  const info = datasetInfo(values.dataset);
  if (seqLen !== null && seqLen < info.minSeqLen) errors.seqLen = `The ${values.dataset} task needs at least ${info.minSeqLen} steps.`;
  if (values.dataset === 'upload') {
    if (context.uploadChars === null) errors.dataset = 'Upload a .txt file first.';
    else if (seqLen !== null && context.uploadChars < minTextChars(seqLen))
      errors.seqLen = `Your text has ${context.uploadChars} characters; sequences of ${seqLen} need at least ${minTextChars(seqLen)} (10% is kept for validation).`;
  }
  if (values.dataset === 'series') {
    const n = context.seriesValues ?? null;
    if (n === null) errors.dataset = 'Upload a .csv file first.';
    else if (seqLen !== null && n < minSeriesLength(seqLen))
      errors.seqLen = `Your column has ${n} values; sequences of ${seqLen} need at least ${minSeriesLength(seqLen)} (10% is kept for validation).`;
  }
  // The adding task's loss is on each sequence's last step: a truncated chunk would have none.
  if (values.dataset === 'adding' && seqLen !== null && tbptt !== null && tbptt !== seqLen && !errors.tbptt)
    errors.tbptt = `The adding task scores only the last step: TBPTT must equal the sequence length (${seqLen}).`;
  // A bidirectional model reads each sequence whole, and only where no step's target is a later input.
  if (values.bidirectional === true) {
    const why = noBidirectional(values.dataset);
    if (why) errors.bidirectional = `${why} A bidirectional model suits tasks such as tagging.`;
    if (seqLen !== null && tbptt !== null && tbptt < seqLen && !errors.tbptt)
      errors.tbptt = `A bidirectional model reads each sequence whole (its reverse direction starts at the end): TBPTT must equal the sequence length (${seqLen}).`;
  }
  if (s && Object.keys(errors).length === 0) return { ok: true, settings: s };
  return { ok: false, errors };
}

/**
 * Why a dataset cannot train a bidirectional model (its targets are the next inputs, which the reverse
 * direction would already have read), or null when it can. The engine refuses the same datasets.
 */
export function noBidirectional(dataset: DatasetId): string | null {
  const info = datasetInfo(dataset);
  if (isTreeDataset(dataset)) return 'A tree model reads its trees bottom-up; it has no reverse direction.';
  // An encoder–decoder's encoder may read both ways (the decoder never does).
  if (isSeq2SeqDataset(dataset)) return null;
  if (!info.predictsNextInput) return null;
  return `Each step’s target here is the next ${info.kind === 'chars' ? 'character' : 'value'}, which the reverse direction would already have read.`;
}

/**
 * A tree dataset: a tree cell, the sizes a tree session takes, and validation trees deeper than the
 * training ones. The sequence fields (layers, sequence and TBPTT lengths) do not apply and are not checked.
 */
function treeChecks(values: FormValues, errors: FieldErrors): void {
  if (!errors.cell && !(TREE_CELLS as readonly string[]).includes(values.cell)) errors.cell = 'A tree dataset trains a Tree RNN or a Tree-LSTM.';
  if (!errors.hidden && Number(values.hidden) > TREE_SESSION_LIMITS.hidden) errors.hidden = `At most ${TREE_SESSION_LIMITS.hidden} for a tree model.`;
  if (!errors.batchSize && Number(values.batchSize) > TREE_SESSION_LIMITS.batchSize)
    errors.batchSize = `At most ${TREE_SESSION_LIMITS.batchSize} trees per step.`;
  const what = values.dataset === 'tree-arithmetic' ? 'depth' : 'height';
  if (!errors.trainDepth && !errors.validationDepth && Number(values.validationDepth) <= Number(values.trainDepth))
    errors.validationDepth = `Must exceed the training ${what} (${values.trainDepth}): the model is tested on deeper trees than it trains on.`;
}

/** What a generated task's training size counts, for the field's label and messages. */
export const MAX_LENGTH_UNITS: Record<(typeof SEQ2SEQ_DATASETS)[number], string> = {
  reverse: 'letters',
  sort: 'digits',
  addition: 'digits per operand',
  dates: 'characters',
};

/**
 * An encoder–decoder: a recurrent cell (encoder and decoder alike), the sizes an encoder–decoder
 * session takes, and a training size in the task's range. Whole pairs: the sequence fields are not checked.
 */
function seq2seqChecks(values: FormValues, errors: FieldErrors): void {
  const L = SEQ2SEQ_SESSION_LIMITS;
  if (!errors.cell && (TREE_CELLS as readonly string[]).includes(values.cell))
    errors.cell = 'Tree RNN and Tree-LSTM train on the tree datasets only: pick an RNN, GRU or LSTM.';
  if (!errors.hidden && Number(values.hidden) > L.hidden) errors.hidden = `At most ${L.hidden} for an encoder–decoder.`;
  if (!errors.layers && Number(values.layers) > L.layers)
    errors.layers = `At most ${L.layers} for an encoder–decoder (its encoder and its decoder each have this many).`;
  if (!errors.batchSize && Number(values.batchSize) > L.batchSize) errors.batchSize = `At most ${L.batchSize} pairs per step.`;
  if (values.dataset !== PAIRS_UPLOAD && !errors.maxLength) {
    const task = values.dataset as (typeof SEQ2SEQ_DATASETS)[number];
    const { min, max } = PAIR_TASK_LENGTHS[task];
    const n = Number(values.maxLength);
    if (n < min || n > max) errors.maxLength = `From ${min} to ${max} ${MAX_LENGTH_UNITS[task]} for the ${task} task.`;
  }
}

/** The divisors of n closest to `near`, as a hint ("16 or 32"). */
function divisorsNear(n: number, near: number): string {
  const divisors: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) divisors.push(d);
  divisors.sort((a, b) => Math.abs(a - near) - Math.abs(b - near) || a - b);
  return divisors
    .slice(0, 2)
    .sort((a, b) => a - b)
    .join(' or ');
}
