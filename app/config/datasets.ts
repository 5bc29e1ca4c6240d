// The datasets the page offers, with the settings each starts from. A dataset's defaults are chosen so
// that a first press of Train learns something visible within a minute on a laptop GPU.

import type { CorpusName, TaskName } from '../../gpu/session/protocol.ts';
import { PAIR_TASK_LENGTHS, type PairTaskName } from '../../gpu/seq2seq/tasks.ts';
import type { FormValues } from './schema.ts';

/** Recursive networks over trees (gpu/tree/): these datasets train a TreeSession, with a tree cell. */
export const TREE_DATASETS = ['tree-arithmetic', 'tree-sentiment'] as const;
export type TreeDatasetId = (typeof TREE_DATASETS)[number];
/** The user's file of labelled trees (not in TREE_DATASETS: a notebook cannot carry a file). */
export const TREE_UPLOAD = 'tree-upload';
export const TREE_CELLS = ['tree-rnn', 'tree-lstm'] as const;
export type TreeCellChoice = (typeof TREE_CELLS)[number];

/** Encoder–decoders (gpu/seq2seq/): these datasets train a Seq2SeqSession on a generated pair task. */
export const SEQ2SEQ_DATASETS = ['reverse', 'sort', 'addition', 'dates'] as const satisfies readonly PairTaskName[];
export type Seq2SeqDatasetId = (typeof SEQ2SEQ_DATASETS)[number];
/** The user's file of tab-separated pairs (not in SEQ2SEQ_DATASETS: a notebook cannot carry a file). */
export const PAIRS_UPLOAD = 'pairs-upload';

export type DatasetId = CorpusName | TaskName | 'upload' | 'series' | TreeDatasetId | typeof TREE_UPLOAD | Seq2SeqDatasetId | typeof PAIRS_UPLOAD;

export const isTreeDataset = (id: string): id is TreeDatasetId | typeof TREE_UPLOAD => id === TREE_UPLOAD || (TREE_DATASETS as readonly string[]).includes(id);
export const isSeq2SeqDataset = (id: string): id is Seq2SeqDatasetId | typeof PAIRS_UPLOAD =>
  id === PAIRS_UPLOAD || (SEQ2SEQ_DATASETS as readonly string[]).includes(id);

export interface DatasetInfo {
  id: DatasetId;
  label: string;
  /**
   * 'chars': a character language model (prompt + sampling); 'task': a synthetic task; 'tree': a
   * recursive network over trees; 'seq2seq': an encoder–decoder over source → target pairs.
   */
  kind: 'chars' | 'task' | 'tree' | 'seq2seq';
  /** One sentence for the UI. */
  description: string;
  /** The smallest sequence length the data makes sense for. */
  minSeqLen: number;
  /**
   * Each step's target is the next step's input (the character models, the forecasts): a bidirectional
   * model would read the answer before giving it, so the engine refuses one (gpu/session/recurrentData.ts).
   */
  predictsNextInput?: true;
  /** Every setting but the dataset. */
  defaults: Omit<FormValues, 'dataset'>;
}

type Defaults = DatasetInfo['defaults'];

const base: Defaults = {
  cell: 'lstm',
  hidden: '128',
  layers: '1',
  bidirectional: false,
  seqLen: '64',
  tbptt: '64',
  batchSize: '16',
  optimizer: 'adam',
  lr: '0.003',
  clip: '1',
  seed: '1',
  trainDepth: '2',
  validationDepth: '4',
  attention: 'dot',
  maxLength: '8',
  teacherForcing: '1',
  teacherForcingSteps: '0',
};
const withDefaults = (o: Partial<Defaults>): Defaults => ({ ...base, ...o });

/**
 * An encoder–decoder's starting point: a GRU of 64 with dot attention, 32 pairs a step. Reverse and
 * sort train on strings of up to 8 symbols (validated on 9–13); the others on their task's default size.
 */
const SEQ2SEQ_LENGTH: Record<PairTaskName, number> = {
  reverse: 8,
  sort: 8,
  addition: PAIR_TASK_LENGTHS.addition.default,
  dates: PAIR_TASK_LENGTHS.dates.default,
};
function seq2seqDefaults(task: PairTaskName | null): Defaults {
  return withDefaults({ cell: 'gru', hidden: '64', batchSize: '32', lr: '0.005', attention: 'dot', maxLength: String(task ? SEQ2SEQ_LENGTH[task] : 8) });
}

export const DATASETS: readonly DatasetInfo[] = [
  {
    id: 'moby-dick',
    label: 'Moby Dick (characters)',
    kind: 'chars',
    predictsNextInput: true,
    minSeqLen: 1,
    description: 'Herman Melville’s novel, one character at a time: the model learns spelling, words, then phrases.',
    defaults: withDefaults({}),
  },
  {
    id: 'first-names',
    label: 'First names (characters)',
    kind: 'chars',
    predictsNextInput: true,
    minSeqLen: 1,
    description: 'English first names, one per line: a small corpus that a small model learns quickly.',
    defaults: withDefaults({ cell: 'gru', hidden: '64', seqLen: '16', tbptt: '16', batchSize: '32' }),
  },
  {
    id: 'adding',
    label: 'Task: adding problem',
    kind: 'task',
    minSeqLen: 2,
    description: 'Add the two values marked among T random numbers and report the sum at the last step.',
    defaults: withDefaults({ hidden: '32', seqLen: '30', tbptt: '30', batchSize: '32', lr: '0.005' }),
  },
  {
    id: 'copy',
    label: 'Task: copy memory',
    kind: 'task',
    minSeqLen: 3,
    description: 'Remember up to 8 random symbols and reproduce them after a delimiter, many blank steps later.',
    defaults: withDefaults({ hidden: '64', seqLen: '20', tbptt: '20', batchSize: '32', lr: '0.005' }),
  },
  {
    id: 'sine',
    label: 'Task: noisy sine forecast',
    kind: 'task',
    predictsNextInput: true,
    minSeqLen: 1,
    description: 'Forecast the next value of a noisy sine wave of random frequency and phase.',
    defaults: withDefaults({ cell: 'gru', hidden: '32', seqLen: '32', tbptt: '32', batchSize: '32' }),
  },
  {
    id: 'mackey-glass',
    label: 'Task: Mackey-Glass forecast',
    kind: 'task',
    predictsNextInput: true,
    minSeqLen: 1,
    description: 'Forecast the next value of the chaotic Mackey-Glass series (τ = 17), standardised.',
    defaults: withDefaults({ cell: 'gru', hidden: '32', seqLen: '32', tbptt: '32', batchSize: '32' }),
  },
  {
    id: 'tagging',
    label: 'Task: entity tagging',
    kind: 'task',
    minSeqLen: 2,
    description: 'Tag team and city names (BIO) in generated sentences; validation sentences are longer than training ones.',
    defaults: withDefaults({ cell: 'gru', hidden: '64', seqLen: '24', tbptt: '24', batchSize: '32' }),
  },
  {
    id: 'upload',
    label: 'Your text file (characters)',
    kind: 'chars',
    predictsNextInput: true,
    minSeqLen: 1,
    description: 'A character model of the text file you uploaded.',
    defaults: withDefaults({}),
  },
  {
    // The sine task's model shape, on a column of the user's CSV (kind 'task': a baseline, no sampling).
    id: 'series',
    label: 'Your CSV column (forecast)',
    kind: 'task',
    predictsNextInput: true,
    minSeqLen: 1,
    description:
      'Forecast the next value of the column you picked from your CSV. The first 90% of its values train and the last 10% validate; both are standardised with the mean and standard deviation of the first 90%, so always predicting that mean scores an MSE of 1 on the training part. The baseline is persistence: predicting that the next value equals this one.',
    defaults: withDefaults({ cell: 'gru', hidden: '32', seqLen: '32', tbptt: '32', batchSize: '32' }),
  },
  {
    // Tree sizes: H = 32 and 32 trees a step learn the shallow expressions within a few hundred steps on a laptop GPU.
    id: 'tree-arithmetic',
    label: 'Trees: arithmetic mod 10',
    kind: 'tree',
    minSeqLen: 1,
    description:
      'Expressions over the digits 0–9 with + and ×, one binary tree each; every subexpression is labelled with its value mod 10. The model trains on shallow expressions and is tested on deeper ones than it ever saw.',
    defaults: withDefaults({ cell: 'tree-lstm', hidden: '32', batchSize: '32', lr: '0.01', seed: '0', trainDepth: '2', validationDepth: '4' }),
  },
  {
    id: 'tree-sentiment',
    label: 'Trees: negation sentiment',
    kind: 'tree',
    minSeqLen: 1,
    description:
      'Phrases over a tiny lexicon (good, bad, neutral words, “not”), every node labelled negative, neutral or positive: “not” flips the polarity below it. Trained on short phrases, tested on taller trees.',
    defaults: withDefaults({ cell: 'tree-lstm', hidden: '32', batchSize: '32', lr: '0.01', seed: '0', trainDepth: '4', validationDepth: '7' }),
  },
  {
    id: TREE_UPLOAD,
    label: 'Your tree file (PTB)',
    kind: 'tree',
    minSeqLen: 1,
    description:
      'Your labelled binary trees, written as the Stanford Sentiment Treebank writes them: (3 (2 not) (4 good)), the first atom of a bracket its label (_ for none). Every labelled node is trained; the last 10% of the trees (at most 1,000) validate.',
    defaults: withDefaults({ cell: 'tree-lstm', hidden: '32', batchSize: '32', lr: '0.01', seed: '0' }),
  },
  // Encoder–decoders: SEQ2SEQ_DEFAULTS below.
  {
    id: 'reverse',
    label: 'Pairs: reverse a string',
    kind: 'seq2seq',
    minSeqLen: 1,
    description:
      'Read a string of the letters a–j and write it backwards. Validation strings are 1–5 letters longer than the longest training string: the scores measure how far the model generalises to lengths it never saw.',
    defaults: seq2seqDefaults('reverse'),
  },
  {
    id: 'sort',
    label: 'Pairs: sort digits',
    kind: 'seq2seq',
    minSeqLen: 1,
    description: 'Read a string of digits and write them in ascending order. Validation strings are 1–5 digits longer than any seen in training.',
    defaults: seq2seqDefaults('sort'),
  },
  {
    id: 'addition',
    label: 'Pairs: addition as text',
    kind: 'seq2seq',
    minSeqLen: 1,
    description: 'Read a sum written as text, “12+345”, and write its value, “357”. Validation operands have one digit more than any seen in training.',
    defaults: seq2seqDefaults('addition'),
  },
  {
    id: 'dates',
    label: 'Pairs: dates to ISO',
    kind: 'seq2seq',
    minSeqLen: 1,
    description:
      'Read a date written in words, “3 Dec 2026” or “Thursday, December 3, 2026”, and write it as 2026-12-03. Validation dates are written longer than any training date (mostly with the weekday).',
    defaults: seq2seqDefaults('dates'),
  },
  {
    id: PAIRS_UPLOAD,
    label: 'Your pairs file (TSV)',
    kind: 'seq2seq',
    minSeqLen: 1,
    description:
      'Your pairs, one source<TAB>target per line, every character a symbol. The last 10% of the lines (at most 1,000) validate; the others train, shuffled, epoch after epoch.',
    defaults: seq2seqDefaults(null),
  },
];

export function datasetInfo(id: DatasetId): DatasetInfo {
  return DATASETS.find((d) => d.id === id) ?? DATASETS[0];
}

export const DEFAULT_DATASET: DatasetId = 'moby-dick';
