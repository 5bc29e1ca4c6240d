// From validated settings to the worker's SessionConfig, and which changes keep the trained weights.

import { optimizer } from '../../gpu/optim/config.ts';
import type { DatasetChoice, SessionConfig } from '../../gpu/worker/protocol.ts';
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

/** The chosen column's values (none when the name is not one of the file's numeric columns). */
export function seriesValues(series: UploadedSeries): number[] | null {
  return series.file.columns.find((c) => c.name === series.column)?.values ?? null;
}

export function toSessionConfig(s: Settings, upload: UploadedText | null, series: UploadedSeries | null = null): SessionConfig {
  return {
    dataset: datasetChoice(s, upload, series),
    cell: s.cell === 'rnn-tanh' || s.cell === 'rnn-relu' ? 'rnn' : s.cell,
    nonlinearity: s.cell === 'rnn-relu' ? 'relu' : 'tanh',
    hidden: s.hidden,
    layers: s.layers,
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
    default:
      return { kind: 'task', name: s.dataset };
  }
}

/** Settings the trained weights survive: only the optimizer's and the data stream's. */
const KEEPS_WEIGHTS: readonly (keyof Settings)[] = ['optimizer', 'lr', 'clip', 'seed'];

/** True when going from `a` to `b` (same uploaded text or CSV column) leaves the model's weights usable. */
export function keepsWeights(a: Settings, b: Settings, sameUpload: boolean): boolean {
  if (!sameUpload && (b.dataset === 'upload' || b.dataset === 'series')) return false;
  return (Object.keys(b) as (keyof Settings)[]).every((k) => KEEPS_WEIGHTS.includes(k) || a[k] === b[k]);
}
