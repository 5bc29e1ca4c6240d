// The datasets the page offers, with the settings each starts from. A dataset's defaults are chosen so
// that a first press of Train learns something visible within a minute on a laptop GPU.

import type { CorpusName, TaskName } from '../../gpu/session/protocol.ts';
import type { FormValues } from './schema.ts';

/** Recursive networks over trees (gpu/tree/): these datasets train a TreeSession, with a tree cell. */
export const TREE_DATASETS = ['tree-arithmetic', 'tree-sentiment'] as const;
export type TreeDatasetId = (typeof TREE_DATASETS)[number];
/** The user's file of labelled trees (not in TREE_DATASETS: a notebook cannot carry a file). */
export const TREE_UPLOAD = 'tree-upload';
export const TREE_CELLS = ['tree-rnn', 'tree-lstm'] as const;
export type TreeCellChoice = (typeof TREE_CELLS)[number];

export type DatasetId = CorpusName | TaskName | 'upload' | 'series' | TreeDatasetId | typeof TREE_UPLOAD;

export const isTreeDataset = (id: string): id is TreeDatasetId | typeof TREE_UPLOAD => id === TREE_UPLOAD || (TREE_DATASETS as readonly string[]).includes(id);

export interface DatasetInfo {
  id: DatasetId;
  label: string;
  /** 'chars': a character language model (prompt + sampling); 'task': a synthetic task; 'tree': a recursive network over trees. */
  kind: 'chars' | 'task' | 'tree';
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
};
const withDefaults = (o: Partial<Defaults>): Defaults => ({ ...base, ...o });

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
];

export function datasetInfo(id: DatasetId): DatasetInfo {
  return DATASETS.find((d) => d.id === id) ?? DATASETS[0];
}

export const DEFAULT_DATASET: DatasetId = 'moby-dick';
