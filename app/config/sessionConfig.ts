// From validated settings to the worker's SessionConfig, and which changes keep the trained weights.

import { optimizer } from '../../gpu/optimizer/config.ts';
import type { AnySessionConfig, DatasetChoice, Seq2SeqSessionConfig, SessionConfig, TreeSessionConfig } from '../../gpu/session/protocol.ts';
import { isSeq2SeqDataset, isTreeDataset, PAIRS_UPLOAD, TREE_UPLOAD } from './datasets.ts';
import type { CsvTable } from '../upload/validateCsv.ts';
import type { Settings } from './schema.ts';

export interface UploadedText {
  name: string;
  text: string;
  /** Code points, as the character model counts them. */
  chars: number;
}

/** An uploaded CSV and the column chosen to forecast. */
export interface UploadedSeries {
  /** The file's numeric columns, for the column picker. */
  file: CsvTable;
  /** The chosen column's name (one of file.columns). */
  column: string;
}

/** An uploaded file of labelled trees (checked on upload with gpu/tree/fileTask.ts). */
export interface UploadedTrees {
  name: string;
  text: string;
  /** How many trees it holds. */
  trees: number;
}

/** An uploaded file of tab-separated pairs (checked on upload with gpu/seq2seq/pairFile.ts). */
export interface UploadedPairs {
  name: string;
  text: string;
  /** How many pairs it holds. */
  pairs: number;
}

/** The name of the uploaded file among `slots` (one session trains on one at most); null for a built-in dataset. */
export function uploadedFileName(slots: {
  upload?: UploadedText | null;
  series?: UploadedSeries | null;
  treeFile?: UploadedTrees | null;
  pairFile?: UploadedPairs | null;
}): string | null {
  return slots.upload?.name ?? slots.series?.file.name ?? slots.treeFile?.name ?? slots.pairFile?.name ?? null;
}

/** The chosen column's values (none when the name is not one of the file's numeric columns). */
export function seriesValues(series: UploadedSeries): number[] | null {
  return series.file.columns.find((c) => c.name === series.column)?.values ?? null;
}

/** What the worker is configured with: a tree session for the tree datasets, an encoder–decoder for the pair datasets, a recurrent one otherwise. */
export function toWorkerConfig(
  s: Settings,
  upload: UploadedText | null,
  series: UploadedSeries | null = null,
  treeFile: UploadedTrees | null = null,
  pairFile: UploadedPairs | null = null,
): AnySessionConfig {
  if (isTreeDataset(s.dataset)) return toTreeConfig(s, treeFile);
  if (isSeq2SeqDataset(s.dataset)) return toSeq2SeqConfig(s, pairFile);
  return toSessionConfig(s, upload, series);
}

/** A pair dataset's settings as a Seq2SeqSessionConfig (the sequence lengths and tree depths do not apply). */
export function toSeq2SeqConfig(s: Settings, pairFile: UploadedPairs | null = null): Seq2SeqSessionConfig {
  if (!isSeq2SeqDataset(s.dataset)) throw new Error(`${s.dataset} is not a pair dataset`);
  if (s.cell === 'tree-rnn' || s.cell === 'tree-lstm') throw new Error('an encoder–decoder needs a recurrent cell');
  const file = s.dataset === PAIRS_UPLOAD;
  if (file && !pairFile) throw new Error('No pairs file was uploaded.');
  return {
    kind: 'seq2seq',
    task: s.dataset === PAIRS_UPLOAD ? 'file' : s.dataset,
    ...(file ? { pairs: { name: pairFile!.name, text: pairFile!.text } } : { maxLength: s.maxLength }),
    cell: s.cell === 'rnn-tanh' || s.cell === 'rnn-relu' ? 'rnn' : s.cell,
    nonlinearity: s.cell === 'rnn-relu' ? 'relu' : 'tanh',
    layers: s.layers,
    hidden: s.hidden,
    // Only when on, as for the recurrent models.
    ...(s.bidirectional ? { bidirectional: true } : {}),
    attention: s.attention,
    // Only when below 1 at some step: full teacher forcing is the default.
    ...(s.teacherForcing < 1 || s.teacherForcingSteps > 0
      ? {
          teacherForcing:
            s.teacherForcingSteps > 0 ? { from: s.teacherForcing, to: 0, steps: s.teacherForcingSteps, shape: 'linear' as const } : s.teacherForcing,
        }
      : {}),
    batchSize: s.batchSize,
    optimizer: { ...optimizer({ kind: s.optimizer, lr: s.lr }), clip: s.clip },
    seed: s.seed,
  };
}

/** A tree dataset's settings as a TreeSessionConfig (the sequence fields do not apply). */
export function toTreeConfig(s: Settings, treeFile: UploadedTrees | null = null): TreeSessionConfig {
  if (!isTreeDataset(s.dataset)) throw new Error(`${s.dataset} is not a tree dataset`);
  if (s.dataset === TREE_UPLOAD && !treeFile) throw new Error('No tree file was uploaded.');
  return {
    kind: 'tree',
    task: s.dataset === TREE_UPLOAD ? 'file' : s.dataset === 'tree-arithmetic' ? 'arithmetic' : 'negation',
    ...(s.dataset === TREE_UPLOAD ? { trees: { name: treeFile!.name, text: treeFile!.text } } : {}),
    cell: s.cell === 'tree-rnn' ? 'rnn' : 'lstm',
    hidden: s.hidden,
    batchSize: s.batchSize,
    trainDepth: s.trainDepth,
    validationDepth: s.validationDepth,
    optimizer: { ...optimizer({ kind: s.optimizer, lr: s.lr }), clip: s.clip },
    seed: s.seed,
  };
}

export function toSessionConfig(s: Settings, upload: UploadedText | null, series: UploadedSeries | null = null): SessionConfig {
  if (isTreeDataset(s.dataset) || s.cell === 'tree-rnn' || s.cell === 'tree-lstm') throw new Error('a tree dataset or cell needs toTreeConfig');
  if (isSeq2SeqDataset(s.dataset)) throw new Error('a pair dataset needs toSeq2SeqConfig');
  return {
    dataset: datasetChoice(s, upload, series),
    cell: s.cell === 'rnn-tanh' || s.cell === 'rnn-relu' ? 'rnn' : s.cell,
    nonlinearity: s.cell === 'rnn-relu' ? 'relu' : 'tanh',
    hidden: s.hidden,
    layers: s.layers,
    // Only when on: a unidirectional config is the one it always was (saved sessions, share links).
    ...(s.bidirectional ? { bidirectional: true } : {}),
    seqLen: s.seqLen,
    tbptt: s.tbptt,
    batchSize: s.batchSize,
    optimizer: { ...optimizer({ kind: s.optimizer, lr: s.lr }), clip: s.clip },
    seed: s.seed,
  };
}

function datasetChoice(s: Settings, upload: UploadedText | null, series: UploadedSeries | null): DatasetChoice {
  switch (s.dataset) {
    case 'moby-dick':
    case 'first-names':
      return { kind: 'corpus', name: s.dataset };
    case 'upload':
      if (!upload) throw new Error('No text file was uploaded.');
      return { kind: 'text', name: upload.name, text: upload.text };
    case 'series': {
      const values = series && seriesValues(series);
      if (!series || !values) throw new Error('No CSV column was chosen.');
      return { kind: 'series', name: series.file.name, column: series.column, values };
    }
    case 'tree-arithmetic':
    case 'tree-sentiment':
    case TREE_UPLOAD:
      throw new Error('a tree dataset needs toTreeConfig');
    case 'reverse':
    case 'sort':
    case 'addition':
    case 'dates':
    case PAIRS_UPLOAD:
      throw new Error('a pair dataset needs toSeq2SeqConfig');
    default:
      return { kind: 'task', name: s.dataset };
  }
}

/** Settings the trained weights survive: only the optimizer's and the data stream's. */
const KEEPS_WEIGHTS: readonly (keyof Settings)[] = ['optimizer', 'lr', 'clip', 'seed'];
/** A tree model's parameters do not depend on the batch size or the trees' depths either. */
const TREE_KEEPS_WEIGHTS: readonly (keyof Settings)[] = [...KEEPS_WEIGHTS, 'batchSize', 'trainDepth', 'validationDepth'];

/**
 * An encoder–decoder's parameters do not depend on the batch size or the training size either (a
 * generated task's symbols are the same at every size).
 */
// The teacher forcing changes how the decoder trains, not its weights' shapes.
const SEQ2SEQ_KEEPS_WEIGHTS: readonly (keyof Settings)[] = [...KEEPS_WEIGHTS, 'batchSize', 'maxLength', 'teacherForcing', 'teacherForcingSteps'];

/** True when going from `a` to `b` (same uploaded text or CSV column) leaves the model's weights usable. */
export function keepsWeights(a: Settings, b: Settings, sameUpload: boolean): boolean {
  if (isSeq2SeqDataset(a.dataset) || isSeq2SeqDataset(b.dataset)) {
    if (!sameUpload && b.dataset === PAIRS_UPLOAD) return false;
    return a.dataset === b.dataset && (Object.keys(b) as (keyof Settings)[]).every((k) => SEQ2SEQ_KEEPS_WEIGHTS.includes(k) || a[k] === b[k]);
  }
  if (isTreeDataset(a.dataset) || isTreeDataset(b.dataset)) {
    if (!sameUpload && b.dataset === TREE_UPLOAD) return false;
    return a.dataset === b.dataset && (Object.keys(b) as (keyof Settings)[]).every((k) => TREE_KEEPS_WEIGHTS.includes(k) || a[k] === b[k]);
  }
  if (!sameUpload && (b.dataset === 'upload' || b.dataset === 'series')) return false;
  return (Object.keys(b) as (keyof Settings)[]).every((k) => KEEPS_WEIGHTS.includes(k) || a[k] === b[k]);
}
