// A saved SessionConfig back to what the settings form holds: the inverse of toSessionConfig, so a
// restored session shows the settings it was trained with (an uploaded text comes back as the upload,
// a CSV column as a one-column CSV: the config keeps only the column that was trained on).

import { parseTeacherForcing } from '../../gpu/seq2seq/teacherForcing.ts';
import {
  isSeq2SeqConfig,
  isTreeConfig,
  type AnySessionConfig,
  type Seq2SeqSessionConfig,
  type SessionConfig,
  type TreeSessionConfig,
} from '../../gpu/session/protocol.ts';
import { ATTENTIONS } from '../../gpu/seq2seq/config.ts';
import { parsePairFile } from '../../gpu/seq2seq/pairFile.ts';
import { PAIR_TASK_LENGTHS } from '../../gpu/seq2seq/tasks.ts';
import { DATASETS, datasetInfo, PAIRS_UPLOAD, SEQ2SEQ_DATASETS, type DatasetId } from '../config/datasets.ts';
import type { CellChoice, FormValues } from '../config/schema.ts';
import type { UploadedPairs, UploadedSeries, UploadedText, UploadedTrees } from '../config/sessionConfig.ts';
import { parseTreeFile } from '../../gpu/tree/fileTask.ts';

export interface RestoredForm {
  form: FormValues;
  upload: UploadedText | null;
  series: UploadedSeries | null;
  /** A tree file session's file (its trees counted again). */
  treeFile?: UploadedTrees | null;
  /** A pairs-file session's file (its pairs counted again). */
  pairFile?: UploadedPairs | null;
}

/** Throws, naming the field, when the config holds something the form cannot show. */
export function formFromConfig(c: AnySessionConfig): RestoredForm {
  if (isSeq2SeqConfig(c)) {
    const p = c.task === 'file' ? c.pairs : null;
    if (c.task === 'file' && (!p || typeof p.text !== 'string' || typeof p.name !== 'string')) throw new Error('dataset: the pairs file is missing');
    return {
      form: formFromSeq2SeqConfig(c),
      upload: null,
      series: null,
      pairFile: p ? { name: p.name, text: p.text, pairs: parsePairFile(p.text).length } : null,
    };
  }
  if (isTreeConfig(c)) {
    const t = c.task === 'file' ? c.trees : null;
    if (c.task === 'file' && (!t || typeof t.text !== 'string' || typeof t.name !== 'string')) throw new Error('dataset: the tree file is missing');
    return {
      form: formFromTreeConfig(c),
      upload: null,
      series: null,
      treeFile: t ? { name: t.name, text: t.text, trees: parseTreeFile(t.text).length } : null,
    };
  }
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
  if (c.bidirectional !== undefined && typeof c.bidirectional !== 'boolean') throw new Error('bidirectional: must be true or false');
  const form: FormValues = {
    dataset,
    cell: cellChoice(c),
    hidden: String(c.hidden),
    layers: String(c.layers),
    // Absent in configs saved before bidirectional models: off.
    bidirectional: c.bidirectional === true,
    seqLen: String(c.seqLen),
    tbptt: String(c.tbptt),
    batchSize: String(c.batchSize),
    optimizer: c.optimizer.kind,
    lr: String(c.optimizer.lr),
    clip: String(c.optimizer.clip),
    seed: String(c.seed),
    // Not used by a recurrent model: the tree datasets' and encoder–decoders' defaults.
    trainDepth: datasetInfo('tree-arithmetic').defaults.trainDepth,
    validationDepth: datasetInfo('tree-arithmetic').defaults.validationDepth,
    attention: datasetInfo(dataset).defaults.attention,
    maxLength: datasetInfo(dataset).defaults.maxLength,
    teacherForcing: datasetInfo(dataset).defaults.teacherForcing,
    teacherForcingSteps: datasetInfo(dataset).defaults.teacherForcingSteps,
  };
  return { form, upload, series };
}

/** A tree session's config in the form: its dataset's defaults for the sequence fields it has none of. */
function formFromTreeConfig(c: TreeSessionConfig): FormValues {
  if (c.task !== 'arithmetic' && c.task !== 'negation' && c.task !== 'file') throw new Error(`dataset: unknown tree task "${String(c.task)}"`);
  if (c.cell !== 'rnn' && c.cell !== 'lstm') throw new Error(`cell: unknown tree cell "${String(c.cell)}"`);
  const dataset = c.task === 'file' ? 'tree-upload' : c.task === 'arithmetic' ? 'tree-arithmetic' : 'tree-sentiment';
  const file = c.task === 'file';
  return {
    ...datasetInfo(dataset).defaults,
    dataset,
    cell: c.cell === 'rnn' ? 'tree-rnn' : 'tree-lstm',
    hidden: String(c.hidden),
    batchSize: String(c.batchSize),
    optimizer: c.optimizer.kind,
    lr: String(c.optimizer.lr),
    clip: String(c.optimizer.clip),
    seed: String(c.seed),
    // A tree file has no depths: the form keeps its defaults.
    ...(file ? {} : { trainDepth: String(c.trainDepth), validationDepth: String(c.validationDepth) }),
  };
}

/** An encoder–decoder's config in the form: its dataset's defaults for the fields it has none of. */
function formFromSeq2SeqConfig(c: Seq2SeqSessionConfig): FormValues {
  if (c.task !== 'file' && !(SEQ2SEQ_DATASETS as readonly string[]).includes(c.task)) throw new Error(`dataset: unknown pair task "${String(c.task)}"`);
  if (!(ATTENTIONS as readonly string[]).includes(c.attention)) throw new Error(`attention: unknown kind "${String(c.attention)}"`);
  // The page's form has no field for it: additive attention is as wide as the hidden state.
  if (c.attentionSize !== undefined && c.attentionSize !== c.hidden) throw new Error(`attentionSize: ${c.attentionSize} (the page sets none)`);
  if (c.bidirectional !== undefined && typeof c.bidirectional !== 'boolean') throw new Error('bidirectional: must be true or false');
  const dataset = c.task === 'file' ? PAIRS_UPLOAD : c.task;
  const d = datasetInfo(dataset).defaults;
  const tf = teacherForcingFields(c.teacherForcing);
  return {
    ...d,
    dataset,
    cell: cellChoice(c),
    hidden: String(c.hidden),
    layers: String(c.layers),
    bidirectional: c.bidirectional === true,
    attention: c.attention,
    // Absent: the task's own default size.
    maxLength: c.task === 'file' ? d.maxLength : String(c.maxLength ?? PAIR_TASK_LENGTHS[c.task].default),
    ...tf,
    batchSize: String(c.batchSize),
    optimizer: c.optimizer.kind,
    lr: String(c.optimizer.lr),
    clip: String(c.optimizer.clip),
    seed: String(c.seed),
  };
}

/** A config's teacher forcing as the form's two fields; the page writes a ratio or a linear schedule to 0 only. */
function teacherForcingFields(raw: unknown): { teacherForcing: string; teacherForcingSteps: string } {
  const tf = parseTeacherForcing(raw);
  if (tf.from !== tf.to && !(tf.to === 0 && tf.shape === 'linear'))
    throw new Error(`teacherForcing: ${JSON.stringify(raw)} (the page sets a ratio, or a linear schedule down to 0)`);
  return { teacherForcing: String(tf.from), teacherForcingSteps: tf.from === tf.to ? '0' : String(tf.steps) };
}

function cellChoice(c: SessionConfig | Seq2SeqSessionConfig): CellChoice {
  if (c.cell === 'gru' || c.cell === 'lstm') return c.cell;
  if (c.cell === 'rnn') return c.nonlinearity === 'relu' ? 'rnn-relu' : 'rnn-tanh';
  throw new Error(`cell: unknown cell "${String(c.cell)}"`);
}
