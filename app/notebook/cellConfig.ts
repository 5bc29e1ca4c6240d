// A notebook's trainer cell: the text of a ```rnn block, one `name: value` per line, checked with the
// same schema as the app's settings form. A dataset brings its defaults; the lines override them.
// Every problem is reported with the cell's number and the field's name, so an author can find it.

import {
  DATASETS,
  datasetInfo,
  isSeq2SeqDataset,
  PAIRS_UPLOAD,
  SEQ2SEQ_DATASETS,
  TREE_CELLS,
  TREE_DATASETS,
  type DatasetId,
  type Seq2SeqDatasetId,
  type TreeDatasetId,
} from '../config/datasets.ts';
import { ATTENTIONS } from '../../gpu/seq2seq/config.ts';
import { OPTIMIZERS, parseSettings, type FieldName, type FormValues, type Settings } from '../config/schema.ts';
import { optimizer, type OptimizerKind } from '../../gpu/optimizer/config.ts';
import { TREE_SESSION_LIMITS, type TreeSessionConfig } from '../../gpu/session/protocol.ts';

/** What a cell shows besides its controls. */
export const VIEWS = ['loss', 'heatmap', 'samples', 'prediction', 'gradnorm', 'connectivity', 'tree', 'alignment', 'decode'] as const;
/** The views of an encoder–decoder cell ('alignment': the attention heatmap of a validation pair; 'decode': a box to type a source into). */
const SEQ2SEQ_VIEWS: readonly View[] = ['loss', 'gradnorm', 'alignment', 'decode'];

/** Recursive networks over trees (gpu/tree/): a cell with one of these datasets trains a TreeSession. */
export { TREE_CELLS, TREE_DATASETS, type TreeDatasetId };
/** The fields a tree cell takes (besides title, steps, views, width). */
const TREE_FIELDS = ['dataset', 'cell', 'hidden', 'batchSize', 'optimizer', 'lr', 'clip', 'seed', 'depth', 'testDepth'] as const;
/** Fields only tree cells take. */
const TREE_ONLY = ['depth', 'testDepth'];
const TREE_DEFAULTS: Record<TreeDatasetId, Record<(typeof TREE_FIELDS)[number], string>> = {
  'tree-arithmetic': {
    dataset: 'tree-arithmetic',
    cell: 'tree-lstm',
    hidden: '64',
    batchSize: '32',
    optimizer: 'adam',
    lr: '0.005',
    clip: '1',
    seed: '0',
    depth: '2',
    testDepth: '5',
  },
  'tree-sentiment': {
    dataset: 'tree-sentiment',
    cell: 'tree-lstm',
    hidden: '32',
    batchSize: '32',
    optimizer: 'adam',
    lr: '0.005',
    clip: '1',
    seed: '0',
    depth: '4',
    testDepth: '7',
  },
};
export type View = (typeof VIEWS)[number];

export interface CellSpec {
  /** A recurrent cell's or an encoder–decoder cell's settings (`isSeq2SeqDataset(settings.dataset)`); null for a tree cell. */
  settings: Settings | null;
  /** A tree cell's session config; null for a recurrent cell. */
  tree: TreeSessionConfig | null;
  /** Shown above the cell. */
  title: string | null;
  /** Train pauses by itself after this many steps (press Train again to go on). */
  steps: number;
  views: View[];
  /** The sampling prompt of a character model. */
  prompt: string;
  /** 'half': sits beside a neighbouring half cell on a wide screen. */
  width: 'full' | 'half';
}

export interface CellProblem {
  cell: number;
  field: string;
  message: string;
}

export type CellParse = { ok: true; spec: CellSpec } | { ok: false; problems: CellProblem[] };

const FORM_FIELDS: readonly FieldName[] = ['dataset', 'cell', 'hidden', 'layers', 'seqLen', 'tbptt', 'batchSize', 'optimizer', 'lr', 'clip', 'seed'];
/** `bidirectional: true | false` (default false): a checkbox in the form, so not one of FORM_FIELDS' typed values. */
const FLAG_FIELDS = ['bidirectional'] as const;
const CELL_FIELDS = ['title', 'steps', 'views', 'prompt', 'width'] as const;
/** Fields only encoder–decoder cells take. */
const SEQ2SEQ_ONLY = ['attention', 'maxLength'] as const;
/** The fields an encoder–decoder cell takes (besides title, steps, views, width), in the order formatCell writes them. */
const SEQ2SEQ_FIELDS = [
  'dataset',
  'cell',
  'hidden',
  'layers',
  'bidirectional',
  'attention',
  'maxLength',
  'batchSize',
  'optimizer',
  'lr',
  'clip',
  'seed',
] as const;
const ALL_FIELDS: readonly string[] = [...FORM_FIELDS, ...FLAG_FIELDS, ...TREE_ONLY, ...SEQ2SEQ_ONLY, ...CELL_FIELDS];
export const MAX_CELL_STEPS = 100_000;
const MAX_CELL_CHARS = 4000;
const DEFAULT_STEPS = 300;

/** Parses cell `cell` (1-based, for messages) from the text of its block. */
export function parseCell(source: string, cell: number): CellParse {
  const problems: CellProblem[] = [];
  const fail = (field: string, message: string) => problems.push({ cell, field, message });
  if (source.length > MAX_CELL_CHARS) {
    fail('', `the cell is ${source.length} characters long; a cell holds at most ${MAX_CELL_CHARS}.`);
    return { ok: false, problems };
  }
  // A Map, not an object: a line named __proto__ or constructor is only ever an unknown field.
  const given = new Map<string, string>();
  source.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^([A-Za-z_][\w]*)\s*:\s*(.*)$/.exec(line);
    if (!m) return fail('', `line ${i + 1} (“${clip(line)}”) is not “name: value”.`);
    const [, name, value] = m;
    if (!ALL_FIELDS.includes(name)) return fail(name, `unknown field${suggest(name)}. Fields: ${ALL_FIELDS.join(', ')}.`);
    if (given.has(name)) return fail(name, `given twice (lines with “${name}:”).`);
    given.set(name, value.trim());
  });

  // Without a dataset there are no defaults to check the other fields against.
  const dataset = given.get('dataset');
  const all = [...notebookDatasets(), ...TREE_DATASETS, ...SEQ2SEQ_DATASETS] as string[];
  if (dataset === undefined) fail('dataset', `required: one of ${all.join(', ')}.`);
  else if (!all.includes(dataset)) fail('dataset', `“${clip(dataset)}” is not a dataset a notebook can use; one of ${all.join(', ')}.`);
  if (problems.some((p) => p.field === 'dataset')) return { ok: false, problems };
  if ((TREE_DATASETS as readonly string[]).includes(dataset!)) return parseTreeCell(dataset as TreeDatasetId, given, cell, problems);
  if (isSeq2SeqDataset(dataset!)) return parseSeq2SeqCell(dataset as Seq2SeqDatasetId, given, cell, problems);
  for (const name of TREE_ONLY) if (given.has(name)) fail(name, `applies to the tree datasets (${TREE_DATASETS.join(', ')}) only.`);
  for (const name of SEQ2SEQ_ONLY) if (given.has(name)) fail(name, `applies to the encoder–decoder datasets (${SEQ2SEQ_DATASETS.join(', ')}) only.`);

  const info = datasetInfo(dataset as DatasetId);
  const form = { dataset, ...info.defaults } as FormValues;
  for (const name of FORM_FIELDS) if (name !== 'dataset' && given.has(name)) (form as unknown as Record<string, string>)[name] = given.get(name)!;
  const flag = given.get('bidirectional');
  if (flag !== undefined && flag !== 'true' && flag !== 'false') fail('bidirectional', `“true” or “false”, got “${clip(flag)}”.`);
  else form.bidirectional = flag === 'true';
  const parsed = parseSettings(form, { uploadChars: null });
  if (!parsed.ok) for (const [name, message] of Object.entries(parsed.errors)) fail(name, `${message} (got “${clip(String(form[name as FieldName]))}”)`);

  const steps = given.has('steps') ? Number(given.get('steps')) : DEFAULT_STEPS;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= MAX_CELL_STEPS))
    fail('steps', `a whole number from 1 to ${MAX_CELL_STEPS}, got “${clip(given.get('steps')!)}”.`);
  const views = parseViews(given.get('views'), info.kind as 'chars' | 'task', dataset!, fail);
  const width = given.get('width') ?? 'full';
  if (width !== 'full' && width !== 'half') fail('width', `“full” or “half”, got “${clip(width)}”.`);
  const prompt = unquote(given.get('prompt') ?? '');
  if (problems.length || !parsed.ok) return { ok: false, problems };
  return {
    ok: true,
    spec: { settings: parsed.settings, tree: null, title: given.get('title') || null, steps, views, prompt, width: width as CellSpec['width'] },
  };
}

/**
 * An encoder–decoder cell: the settings form's checks (parseSettings) on its dataset's defaults and the
 * given fields; the sequence lengths, the prompt and the tree depths are refused by name.
 */
function parseSeq2SeqCell(dataset: Seq2SeqDatasetId, given: Map<string, string>, cell: number, problems: CellProblem[]): CellParse {
  const fail = (field: string, message: string) => problems.push({ cell, field, message });
  const applies = `An encoder–decoder cell takes: ${[...SEQ2SEQ_FIELDS, ...CELL_FIELDS.filter((f) => f !== 'prompt')].join(', ')}.`;
  for (const name of given.keys())
    if (!(SEQ2SEQ_FIELDS as readonly string[]).includes(name) && !(CELL_FIELDS as readonly string[]).includes(name))
      fail(name, `does not apply to an encoder–decoder (it reads whole pairs). ${applies}`);
    else if (name === 'prompt') fail(name, `is for character models; an encoder–decoder shows “decode”. ${applies}`);
  const form = { dataset, ...datasetInfo(dataset).defaults } as FormValues;
  for (const name of SEQ2SEQ_FIELDS)
    if (name !== 'dataset' && name !== 'bidirectional' && given.has(name)) (form as unknown as Record<string, string>)[name] = given.get(name)!;
  const attention = given.get('attention');
  if (attention !== undefined && !(ATTENTIONS as readonly string[]).includes(attention))
    fail('attention', `one of ${ATTENTIONS.join(', ')}, got “${clip(attention)}”.`);
  const flag = given.get('bidirectional');
  if (flag !== undefined && flag !== 'true' && flag !== 'false') fail('bidirectional', `“true” or “false”, got “${clip(flag)}”.`);
  else form.bidirectional = flag === 'true';
  const parsed = parseSettings(form, { uploadChars: null });
  if (!parsed.ok)
    for (const [name, message] of Object.entries(parsed.errors))
      if (name !== 'attention' || attention === undefined || (ATTENTIONS as readonly string[]).includes(attention))
        fail(name, `${message} (got “${clip(String(form[name as FieldName]))}”)`);
  const steps = parseSteps(given, fail);
  const names = given.has('views') ? splitList(given.get('views')!) : ['loss', 'alignment'];
  const bad = names.filter((x) => !SEQ2SEQ_VIEWS.includes(x as View));
  if (bad.length) fail('views', `${bad.map((b) => `“${clip(b)}”`).join(', ')}: an encoder–decoder cell shows ${SEQ2SEQ_VIEWS.join(', ')}.`);
  const width = parseWidth(given, fail);
  if (problems.length || !parsed.ok) return { ok: false, problems };
  return {
    ok: true,
    spec: { settings: parsed.settings, tree: null, title: given.get('title') || null, steps, views: [...new Set(names)] as View[], prompt: '', width },
  };
}

const splitList = (text: string) =>
  text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function parseSteps(given: Map<string, string>, fail: (field: string, message: string) => void): number {
  const steps = given.has('steps') ? Number(given.get('steps')) : DEFAULT_STEPS;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= MAX_CELL_STEPS))
    fail('steps', `a whole number from 1 to ${MAX_CELL_STEPS}, got “${clip(given.get('steps')!)}”.`);
  return steps;
}

function parseWidth(given: Map<string, string>, fail: (field: string, message: string) => void): CellSpec['width'] {
  const width = given.get('width') ?? 'full';
  if (width !== 'full' && width !== 'half') fail('width', `“full” or “half”, got “${clip(width)}”.`);
  return width as CellSpec['width'];
}

/** A tree cell: its own fields, checked here; the fields of sequence models are refused by name. */
function parseTreeCell(dataset: TreeDatasetId, given: Map<string, string>, cell: number, problems: CellProblem[]): CellParse {
  const fail = (field: string, message: string) => problems.push({ cell, field, message });
  const applies = `A tree cell takes: ${[...TREE_FIELDS, ...CELL_FIELDS.filter((f) => f !== 'prompt')].join(', ')}.`;
  for (const name of given.keys())
    if (!(TREE_FIELDS as readonly string[]).includes(name) && !(CELL_FIELDS as readonly string[]).includes(name))
      fail(name, `does not apply to a tree dataset. ${applies}`);
    else if (name === 'prompt') fail(name, `is for character models, not trees. ${applies}`);
  const v = { ...TREE_DEFAULTS[dataset] };
  for (const name of TREE_FIELDS) if (given.has(name)) v[name] = given.get(name)!;
  const int = (name: (typeof TREE_FIELDS)[number], lo: number, hi: number): number => {
    const n = Number(v[name]);
    if (!(v[name] !== '' && Number.isInteger(n) && n >= lo && n <= hi)) fail(name, `a whole number from ${lo} to ${hi}, got “${clip(v[name])}”.`);
    return n;
  };
  if (!(TREE_CELLS as readonly string[]).includes(v.cell)) fail('cell', `a tree dataset trains “tree-rnn” or “tree-lstm”, got “${clip(v.cell)}”.`);
  const hidden = int('hidden', 1, TREE_SESSION_LIMITS.hidden);
  const batchSize = int('batchSize', 1, TREE_SESSION_LIMITS.batchSize);
  const seed = int('seed', 0, 2 ** 31 - 1);
  const depth = int('depth', 1, TREE_SESSION_LIMITS.trainDepth);
  const testDepth = int('testDepth', 2, TREE_SESSION_LIMITS.validationDepth);
  if (Number.isInteger(depth) && Number.isInteger(testDepth) && testDepth <= depth)
    fail('testDepth', `must exceed depth (${depth}): the model is tested on deeper trees than it trains on.`);
  if (!(OPTIMIZERS as readonly string[]).includes(v.optimizer)) fail('optimizer', `one of ${OPTIMIZERS.join(', ')}, got “${clip(v.optimizer)}”.`);
  const lr = Number(v.lr);
  if (!(v.lr !== '' && lr > 0 && lr <= 10)) fail('lr', `a number above 0 and at most 10, got “${clip(v.lr)}”.`);
  const clipNorm = Number(v.clip);
  if (!(v.clip !== '' && clipNorm >= 0 && clipNorm <= 1e6)) fail('clip', `a number from 0 (off) to 1e6, got “${clip(v.clip)}”.`);
  const steps = given.has('steps') ? Number(given.get('steps')) : DEFAULT_STEPS;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= MAX_CELL_STEPS))
    fail('steps', `a whole number from 1 to ${MAX_CELL_STEPS}, got “${clip(given.get('steps')!)}”.`);
  const names = given.has('views')
    ? given
        .get('views')!
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : ['loss', 'tree'];
  const bad = names.filter((x) => !['loss', 'gradnorm', 'tree'].includes(x));
  if (bad.length) fail('views', `${bad.map((b) => `“${clip(b)}”`).join(', ')}: a tree cell shows loss, gradnorm and tree.`);
  const width = given.get('width') ?? 'full';
  if (width !== 'full' && width !== 'half') fail('width', `“full” or “half”, got “${clip(width)}”.`);
  if (problems.length) return { ok: false, problems };
  const tree: TreeSessionConfig = {
    kind: 'tree',
    task: dataset === 'tree-arithmetic' ? 'arithmetic' : 'negation',
    cell: v.cell === 'tree-rnn' ? 'rnn' : 'lstm',
    hidden,
    batchSize,
    trainDepth: depth,
    validationDepth: testDepth,
    optimizer: { ...optimizer({ kind: v.optimizer as OptimizerKind, lr }), clip: clipNorm },
    seed,
  };
  return {
    ok: true,
    spec: {
      settings: null,
      tree,
      title: given.get('title') || null,
      steps,
      views: [...new Set(names)] as View[],
      prompt: '',
      width: width as CellSpec['width'],
    },
  };
}

/** A tree cell's dataset name. */
export const treeDatasetOf = (t: TreeSessionConfig): TreeDatasetId => (t.task === 'arithmetic' ? 'tree-arithmetic' : 'tree-sentiment');

/** The recurrent models' datasets but the user's upload (a notebook cannot carry a file). */
export function notebookDatasets(): DatasetId[] {
  return DATASETS.filter((d) => d.id !== 'upload' && d.kind !== 'tree' && d.kind !== 'seq2seq' && d.id !== PAIRS_UPLOAD).map((d) => d.id);
}

function parseViews(text: string | undefined, kind: 'chars' | 'task', dataset: string, fail: (field: string, message: string) => void): View[] {
  if (text === undefined) return kind === 'chars' ? ['loss', 'heatmap', 'samples'] : ['loss', 'heatmap', 'prediction'];
  const names = text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const bad = names.filter((v) => !(VIEWS as readonly string[]).includes(v));
  if (bad.length) fail('views', `unknown view${bad.length > 1 ? 's' : ''} ${bad.map((b) => `“${clip(b)}”`).join(', ')}; views: ${VIEWS.join(', ')}.`);
  if (kind === 'chars' && names.includes('prediction')) fail('views', '“prediction” is for tasks; a character model shows “samples”.');
  if (kind === 'task' && names.includes('samples')) fail('views', '“samples” is for character models; a task shows “prediction”.');
  // One output per sequence keeps the analysis to one backward pass per validation.
  if (names.includes('tree')) fail('views', '“tree” is for the tree datasets (tree-arithmetic, tree-sentiment).');
  for (const v of ['alignment', 'decode']) if (names.includes(v)) fail('views', `“${v}” is for the encoder–decoder datasets (${SEQ2SEQ_DATASETS.join(', ')}).`);
  if (names.includes('connectivity') && dataset !== 'adding')
    fail('views', '“connectivity” is shown for the adding task (one output per sequence), not for this dataset.');
  return [...new Set(names)] as View[];
}

/** Turns a spec back into cell text (for "copy this cell's settings" and the editor). */
export function formatCell(spec: CellSpec): string {
  const s = spec.settings;
  if (!s) {
    const t = spec.tree!;
    return [
      spec.title ? `title: ${spec.title}` : '',
      `dataset: ${treeDatasetOf(t)}`,
      `cell: tree-${t.cell}`,
      `hidden: ${t.hidden}`,
      `batchSize: ${t.batchSize}`,
      `optimizer: ${t.optimizer.kind}`,
      `lr: ${t.optimizer.lr}`,
      `clip: ${t.optimizer.clip}`,
      `seed: ${t.seed}`,
      `depth: ${t.trainDepth}`,
      `testDepth: ${t.validationDepth}`,
      `steps: ${spec.steps}`,
      `views: ${spec.views.join(', ')}`,
      spec.width === 'half' ? 'width: half' : '',
    ]
      .filter(Boolean)
      .join('\n');
  }
  if (isSeq2SeqDataset(s.dataset))
    return [
      spec.title ? `title: ${spec.title}` : '',
      ...SEQ2SEQ_FIELDS.filter((name) => name !== 'bidirectional' || s.bidirectional).map((name) => `${name}: ${s[name]}`),
      `steps: ${spec.steps}`,
      `views: ${spec.views.join(', ')}`,
      spec.width === 'half' ? 'width: half' : '',
    ]
      .filter(Boolean)
      .join('\n');
  const lines = [
    spec.title ? `title: ${spec.title}` : '',
    ...FORM_FIELDS.flatMap((name) => [`${name}: ${s[name]}`, ...(name === 'layers' && s.bidirectional ? ['bidirectional: true'] : [])]),
    `steps: ${spec.steps}`,
    `views: ${spec.views.join(', ')}`,
    spec.prompt ? `prompt: "${spec.prompt.replace(/\n/g, '\\n')}"` : '',
    spec.width === 'half' ? 'width: half' : '',
  ];
  return lines.filter(Boolean).join('\n');
}

/** A prompt may be quoted to keep leading or trailing spaces; \n stands for a newline. */
function unquote(v: string): string {
  const q = /^"(.*)"$/.exec(v);
  return (q ? q[1] : v).replace(/\\n/g, '\n');
}

function suggest(name: string): string {
  const near = ALL_FIELDS.find((f) => f.toLowerCase() === name.toLowerCase() || distance(f.toLowerCase(), name.toLowerCase()) <= 2);
  return near ? ` (did you mean “${near}”?)` : '';
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

const clip = (s: string) => (s.length > 40 ? s.slice(0, 37) + '…' : s);
