import { describe, expect, it } from 'vitest';
import { createTask } from '../../gpu/data/tasks/index.ts';
import { formFromDataset, formFromSettings } from '../store/settingsSlice.ts';
import { weightsFileName } from '../weightsFile.ts';
import { DATASETS, TREE_DATASETS, type DatasetId } from './datasets.ts';
import { noBidirectional, parseSettings, type FormValues } from './schema.ts';
import { keepsWeights, toSessionConfig } from './sessionConfig.ts';

const ctx = { uploadChars: null };

describe('settings schema', () => {
  it('accepts every dataset’s defaults', () => {
    for (const id of ['moby-dick', 'first-names', 'adding', 'copy', 'sine', 'mackey-glass', 'tagging'] as const)
      expect(parseSettings(formFromDataset(id), ctx).ok, id).toBe(true);
  });

  it('names each invalid field with its own message', () => {
    const r = parseSettings({ ...formFromDataset('moby-dick'), hidden: 'abc', layers: '1.5', lr: '0', tbptt: '48', seed: '' }, ctx);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.hidden).toBe('Must be a number.');
    expect(r.errors.layers).toBe('Must be a whole number.');
    expect(r.errors.lr).toBe('Must be above 0.');
    expect(r.errors.seed).toBe('Required.');
    expect(r.errors.tbptt).toBe('Must divide the sequence length (64): try 32 or 64.');
  });

  it('checks an uploaded text against the sequence length', () => {
    const upload = { ...formFromDataset('upload'), seqLen: '32', tbptt: '32' };
    expect(parseSettings(upload, { uploadChars: 320 })).toEqual({
      ok: false,
      errors: { seqLen: 'Your text has 320 characters; sequences of 32 need at least 321 (10% is kept for validation).' },
    });
    expect(parseSettings(upload, { uploadChars: 321 }).ok).toBe(true);
  });

  it('holds the adding task’s TBPTT to the sequence length', () => {
    const r = parseSettings({ ...formFromDataset('adding'), tbptt: '15' }, ctx);
    expect(!r.ok && r.errors.tbptt).toMatch(/TBPTT must equal the sequence length/);
  });

  it('keeps the weights only when optimizer, lr, clip or seed changed', () => {
    const a = parseSettings(formFromDataset('moby-dick'), ctx);
    if (!a.ok) throw new Error('defaults');
    expect(keepsWeights(a.settings, { ...a.settings, lr: 0.01, optimizer: 'sgd', clip: 0, seed: 7 }, true)).toBe(true);
    expect(keepsWeights(a.settings, { ...a.settings, hidden: 64 }, true)).toBe(false);
    expect(keepsWeights(a.settings, { ...a.settings, batchSize: 8 }, true)).toBe(false);
  });

  it('builds the worker’s SessionConfig', () => {
    const a = parseSettings({ ...formFromDataset('sine'), cell: 'rnn-relu', optimizer: 'adamw', lr: '3e-3', clip: '0.5' }, ctx);
    if (!a.ok) throw new Error('valid');
    const c = toSessionConfig(a.settings, null);
    expect(c.dataset).toEqual({ kind: 'task', name: 'sine' });
    expect([c.cell, c.nonlinearity]).toEqual(['rnn', 'relu']);
    expect(c.optimizer).toMatchObject({ kind: 'adamw', lr: 0.003, clip: 0.5, weightDecay: 0.01 });
  });

  const seriesForm = { ...formFromDataset('series'), seqLen: '32', tbptt: '32' };
  const csv = {
    name: 'd.csv',
    delimiter: ',' as const,
    header: true,
    rows: 3,
    otherColumns: [],
    columns: [
      { name: 'a', values: [1, 2, 3], skipped: 0 },
      { name: 'b', values: [4, 5, 6], skipped: 0 },
    ],
  };
  const seriesSettings = () => {
    const r = parseSettings(seriesForm, { uploadChars: null, seriesValues: 321 });
    if (!r.ok) throw new Error('valid');
    return r.settings;
  };

  it('a forecast needs a CSV uploaded first', () => {
    expect(parseSettings(seriesForm, ctx)).toEqual({ ok: false, errors: { dataset: 'Upload a .csv file first.' } });
  });

  it('checks a CSV column against the sequence length', () => {
    expect(parseSettings(seriesForm, { uploadChars: null, seriesValues: 320 })).toEqual({
      ok: false,
      errors: { seqLen: 'Your column has 320 values; sequences of 32 need at least 321 (10% is kept for validation).' },
    });
    expect(parseSettings(seriesForm, { uploadChars: null, seriesValues: 321 }).ok).toBe(true);
  });

  it('sends the chosen CSV column’s values to the worker', () => {
    expect(toSessionConfig(seriesSettings(), null, { file: csv, column: 'b' }).dataset).toEqual({
      kind: 'series',
      name: 'd.csv',
      column: 'b',
      values: [4, 5, 6],
    });
  });

  it('refuses a CSV column the file does not have', () => {
    expect(() => toSessionConfig(seriesSettings(), null, { file: csv, column: 'c' })).toThrow('No CSV column was chosen.');
  });

  it('another CSV column needs new weights', () => {
    const s = seriesSettings();
    expect(keepsWeights(s, { ...s, lr: 0.01 }, true)).toBe(true);
    expect(keepsWeights(s, { ...s, lr: 0.01 }, false)).toBe(false);
  });
});

describe('bidirectional', () => {
  const parse = (form: FormValues, context = { uploadChars: 10_000, seriesValues: 10_000 }) => parseSettings(form, context);
  const bi = (id: DatasetId, over: Partial<FormValues> = {}) => ({ ...formFromDataset(id), bidirectional: true, ...over });

  it('is off by default for every dataset', () => {
    for (const d of DATASETS) expect(formFromDataset(d.id).bidirectional, d.id).toBe(false);
  });

  it('reaches the SessionConfig when on, and is left out when off (a unidirectional config is as before)', () => {
    for (const id of ['tagging', 'copy', 'adding'] as const) {
      const r = parse(bi(id));
      if (!r.ok) throw new Error(`${id}: ${JSON.stringify(r.errors)}`);
      expect(r.settings.bidirectional).toBe(true);
      expect(toSessionConfig(r.settings, null).bidirectional, id).toBe(true);
      const off = parse(formFromDataset(id));
      expect(off.ok && 'bidirectional' in toSessionConfig(off.settings, null)).toBe(false);
    }
  });

  it('is refused, on its own field, where each step’s target is the next input (text, forecasts)', () => {
    for (const id of ['moby-dick', 'first-names', 'upload', 'sine', 'mackey-glass', 'series'] as const) {
      const r = parse(bi(id, { seqLen: '32', tbptt: '32' }));
      expect(r.ok, id).toBe(false);
      if (r.ok) continue;
      expect(Object.keys(r.errors), id).toEqual(['bidirectional']);
      expect(r.errors.bidirectional).toMatch(id === 'moby-dick' || id === 'first-names' || id === 'upload' ? /next character/ : /next value/);
      expect(r.errors.bidirectional).toMatch(/reverse direction would already have read/);
    }
  });

  it('the datasets it is refused on are the ones the engine refuses (their tasks predict the next input)', () => {
    for (const d of DATASETS) {
      // Trees have no reverse direction; an encoder–decoder's encoder may read both ways (app/config/seq2seq.test.ts).
      if (d.kind === 'tree' || d.kind === 'seq2seq') continue;
      const engine = d.kind === 'chars' || d.id === 'series' || !!createTask(d.id, { T: 32, seed: 1 }).predictsNextInput;
      expect(noBidirectional(d.id) !== null, d.id).toBe(engine);
    }
  });

  it('needs whole sequences: a TBPTT shorter than the sequence is the TBPTT field’s error', () => {
    const r = parse(bi('copy', { seqLen: '20', tbptt: '10' }));
    expect(!r.ok && r.errors).toEqual({
      tbptt: 'A bidirectional model reads each sequence whole (its reverse direction starts at the end): TBPTT must equal the sequence length (20).',
    });
    // Unticked, the same TBPTT is fine.
    expect(parse({ ...bi('copy', { seqLen: '20', tbptt: '10' }), bidirectional: false }).ok).toBe(true);
    // A TBPTT that does not divide keeps its own message.
    const r2 = parse(bi('copy', { seqLen: '20', tbptt: '7' }));
    expect(!r2.ok && r2.errors.tbptt).toMatch(/Must divide the sequence length/);
  });

  it('does not apply to the tree datasets (the form hides it): off whatever the form holds', () => {
    for (const id of TREE_DATASETS) {
      const r = parse(bi(id));
      expect(r.ok && r.settings.bidirectional, id).toBe(false);
    }
  });

  it('a form from before the field (none given) parses as off', () => {
    const old: Partial<FormValues> = formFromDataset('tagging');
    delete old.bidirectional;
    const r = parse(old as FormValues);
    expect(r.ok && r.settings.bidirectional).toBe(false);
  });

  it('turning it on or off needs new weights, and the settings go back to the form', () => {
    const a = parse(formFromDataset('tagging'));
    const b = parse(bi('tagging'));
    if (!a.ok || !b.ok) throw new Error('valid');
    expect(keepsWeights(a.settings, b.settings, true)).toBe(false);
    expect(keepsWeights(b.settings, { ...b.settings, lr: 0.01 }, true)).toBe(true);
    expect(formFromSettings(b.settings).bidirectional).toBe(true);
  });

  it('marks the weights file name', () => {
    const b = parse(bi('tagging'));
    if (!b.ok) throw new Error('valid');
    expect(weightsFileName(b.settings, 120)).toBe('rnnlab-tagging-gru-h64x1-bi-step120.safetensors');
    expect(weightsFileName({ ...b.settings, bidirectional: false }, 120)).toBe('rnnlab-tagging-gru-h64x1-step120.safetensors');
  });
});
