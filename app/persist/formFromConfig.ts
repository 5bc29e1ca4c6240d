// A saved SessionConfig back to what the settings form holds: the inverse of toSessionConfig, so a
// restored session shows the settings it was trained with (an uploaded text comes back as the upload,
// a CSV column as a one-column CSV: the config keeps only the column that was trained on).

import type { SessionConfig } from '../../gpu/worker/protocol.ts';
import { DATASETS, type DatasetId } from '../config/datasets.ts';
import type { CellChoice, FormValues } from '../config/schema.ts';
import type { UploadedSeries, UploadedText } from '../config/sessionConfig.ts';

export interface RestoredForm {
  form: FormValues;
  upload: UploadedText | null;
  series: UploadedSeries | null;
}

/** Throws, naming the field, when the config holds something the form cannot show. */
export function formFromConfig(c: SessionConfig): RestoredForm {
  const { dataset: d } = c;
  let dataset: DatasetId;
  let upload: UploadedText | null = null;
  let series: UploadedSeries | null = null;
  switch (d.kind) {
    case 'text':
      dataset = 'upload';
      // Code points, as the upload check counts them.
      upload = { name: d.name, text: d.text, chars: Array.from(d.text).length };
      break;
    case 'series': {
      dataset = 'series';
      const column = { name: d.column, values: d.values, skipped: 0 };
      series = { file: { name: d.name, delimiter: ',', header: true, rows: d.values.length, columns: [column], otherColumns: [] }, column: d.column };
      break;
    }
    case 'corpus':
    case 'task':
      if (!DATASETS.some((x) => x.id === d.name)) throw new Error(`dataset: unknown ${d.kind} "${d.name}"`);
      dataset = d.name;
      break;
    default:
      throw new Error(`dataset: unknown kind "${(d as { kind: string }).kind}"`);
  }
  const form: FormValues = {
    dataset,
    cell: cellChoice(c),
    hidden: String(c.hidden),
    layers: String(c.layers),
    seqLen: String(c.seqLen),
    tbptt: String(c.tbptt),
    batchSize: String(c.batchSize),
    optimizer: c.optimizer.kind,
    lr: String(c.optimizer.lr),
    clip: String(c.optimizer.clip),
    seed: String(c.seed),
  };
  return { form, upload, series };
}

function cellChoice(c: SessionConfig): CellChoice {
  if (c.cell === 'gru' || c.cell === 'lstm') return c.cell;
  if (c.cell === 'rnn') return c.nonlinearity === 'relu' ? 'rnn-relu' : 'rnn-tanh';
  throw new Error(`cell: unknown cell "${String(c.cell)}"`);
}
