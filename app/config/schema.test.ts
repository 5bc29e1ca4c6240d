import { describe, expect, it } from 'vitest';
import { formFromDataset } from '../store/settingsSlice.ts';
import { parseSettings } from './schema.ts';
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
