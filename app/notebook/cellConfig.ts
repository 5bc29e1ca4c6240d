// A notebook's trainer cell: the text of a ```rnn block, one `name: value` per line, checked with the
// same schema as the app's settings form. A dataset brings its defaults; the lines override them.
// Every problem is reported with the cell's number and the field's name, so an author can find it.

import { DATASETS, datasetInfo, type DatasetId } from '../config/datasets.ts';
import { parseSettings, type FieldName, type FormValues, type Settings } from '../config/schema.ts';

/** What a cell shows besides its controls. */
export const VIEWS = ['loss', 'heatmap', 'samples', 'prediction', 'gradnorm', 'connectivity'] as const;
export type View = (typeof VIEWS)[number];

export interface CellSpec {
  settings: Settings;
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
const CELL_FIELDS = ['title', 'steps', 'views', 'prompt', 'width'] as const;
const ALL_FIELDS: readonly string[] = [...FORM_FIELDS, ...CELL_FIELDS];
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
  if (dataset === undefined) fail('dataset', `required: one of ${notebookDatasets().join(', ')}.`);
  else if (!notebookDatasets().includes(dataset as DatasetId)) fail('dataset', `“${clip(dataset)}” is not a dataset a notebook can use; one of ${notebookDatasets().join(', ')}.`);
  if (problems.some((p) => p.field === 'dataset')) return { ok: false, problems };

  const info = datasetInfo(dataset as DatasetId);
  const form = { dataset, ...info.defaults } as FormValues;
  for (const name of FORM_FIELDS) if (name !== 'dataset' && given.has(name)) (form as unknown as Record<string, string>)[name] = given.get(name)!;
  const parsed = parseSettings(form, { uploadChars: null });
  if (!parsed.ok) for (const [name, message] of Object.entries(parsed.errors)) fail(name, `${message} (got “${clip(form[name as FieldName])}”)`);

  const steps = given.has('steps') ? Number(given.get('steps')) : DEFAULT_STEPS;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= MAX_CELL_STEPS)) fail('steps', `a whole number from 1 to ${MAX_CELL_STEPS}, got “${clip(given.get('steps')!)}”.`);
  const views = parseViews(given.get('views'), info.kind, dataset!, fail);
  const width = given.get('width') ?? 'full';
  if (width !== 'full' && width !== 'half') fail('width', `“full” or “half”, got “${clip(width)}”.`);
  const prompt = unquote(given.get('prompt') ?? '');
  if (problems.length || !parsed.ok) return { ok: false, problems };
  return { ok: true, spec: { settings: parsed.settings, title: given.get('title') || null, steps, views, prompt, width: width as CellSpec['width'] } };
}

/** Every dataset but the user's upload (a notebook cannot carry a file). */
export function notebookDatasets(): DatasetId[] {
  return DATASETS.filter((d) => d.id !== 'upload').map((d) => d.id);
}

function parseViews(text: string | undefined, kind: 'chars' | 'task', dataset: string, fail: (field: string, message: string) => void): View[] {
  if (text === undefined) return kind === 'chars' ? ['loss', 'heatmap', 'samples'] : ['loss', 'heatmap', 'prediction'];
  const names = text.split(',').map((v) => v.trim()).filter(Boolean);
  const bad = names.filter((v) => !(VIEWS as readonly string[]).includes(v));
  if (bad.length) fail('views', `unknown view${bad.length > 1 ? 's' : ''} ${bad.map((b) => `“${clip(b)}”`).join(', ')}; views: ${VIEWS.join(', ')}.`);
  if (kind === 'chars' && names.includes('prediction')) fail('views', '“prediction” is for tasks; a character model shows “samples”.');
  if (kind === 'task' && names.includes('samples')) fail('views', '“samples” is for character models; a task shows “prediction”.');
  // One output per sequence keeps the analysis to one backward pass per validation.
  if (names.includes('connectivity') && dataset !== 'adding') fail('views', '“connectivity” is shown for the adding task (one output per sequence), not for this dataset.');
  return [...new Set(names)] as View[];
}

/** Turns a spec back into cell text (for "copy this cell's settings" and the editor). */
export function formatCell(spec: CellSpec): string {
  const s = spec.settings;
  const lines = [
    spec.title ? `title: ${spec.title}` : '',
    `dataset: ${s.dataset}`, `cell: ${s.cell}`, `hidden: ${s.hidden}`, `layers: ${s.layers}`, `seqLen: ${s.seqLen}`, `tbptt: ${s.tbptt}`,
    `batchSize: ${s.batchSize}`, `optimizer: ${s.optimizer}`, `lr: ${s.lr}`, `clip: ${s.clip}`, `seed: ${s.seed}`, `steps: ${spec.steps}`,
    `views: ${spec.views.join(', ')}`, spec.prompt ? `prompt: "${spec.prompt}"` : '', spec.width === 'half' ? 'width: half' : '',
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
