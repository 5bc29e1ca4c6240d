import { describe, expect, it } from 'vitest';
import { parseSettings, type FormValues } from '../config/schema.ts';
import { toSessionConfig, type UploadedSeries, type UploadedText } from '../config/sessionConfig.ts';
import { formFromDataset } from '../store/settingsSlice.ts';
import { formFromConfig } from './formFromConfig.ts';

/** Form → settings → SessionConfig → form → settings → SessionConfig. */
function roundTrip(form: FormValues, upload: UploadedText | null, series: UploadedSeries | null = null) {
  const parsed = parseSettings(form, {
    uploadChars: upload?.chars ?? null,
    seriesValues: series?.file.columns.find((c) => c.name === series.column)?.values.length ?? null,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const config = toSessionConfig(parsed.settings, upload, series);
  const back = formFromConfig(config);
  const reparsed = parseSettings(back.form, { uploadChars: back.upload?.chars ?? null, seriesValues: back.series?.file.columns[0].values.length ?? null });
  if (!reparsed.ok) throw new Error(JSON.stringify(reparsed.errors));
  return { parsed: parsed.settings, config, back, reparsed: reparsed.settings, again: toSessionConfig(reparsed.settings, back.upload, back.series) };
}

describe('formFromConfig', () => {
  it('keeps a bidirectional model; a config saved before the field restores as unidirectional', () => {
    const r = roundTrip({ ...formFromDataset('tagging'), bidirectional: true }, null);
    expect(r.config.bidirectional).toBe(true);
    expect(r.back.form).toEqual({ ...formFromDataset('tagging'), bidirectional: true });
    expect(r.again).toEqual(r.config);
    const old = roundTrip(formFromDataset('tagging'), null).config;
    expect('bidirectional' in old).toBe(false);
    expect(formFromConfig(old).form.bidirectional).toBe(false);
    expect(() => formFromConfig({ ...old, bidirectional: 'yes' as unknown as boolean })).toThrow(/^bidirectional:/);
  });

  it('gives back every dataset’s default settings', () => {
    for (const id of ['moby-dick', 'first-names', 'adding', 'copy', 'sine', 'mackey-glass', 'tagging'] as const) {
      const r = roundTrip(formFromDataset(id), null);
      expect(r.back.form, id).toEqual(formFromDataset(id));
      expect(r.back.upload).toBeNull();
      expect(r.again, id).toEqual(r.config);
    }
  });

  it('keeps each cell, optimizer and number, including ones typed unusually', () => {
    const cases: Partial<FormValues>[] = [
      { cell: 'rnn-tanh', optimizer: 'sgd', lr: '0.05', clip: '0' },
      { cell: 'rnn-relu', optimizer: 'adamw', lr: '3e-3', clip: '2.5', seed: '2147483647' },
      { cell: 'gru', hidden: '7', layers: '3', seqLen: '48', tbptt: '12', batchSize: '5', lr: '.001' },
      { cell: 'lstm', optimizer: 'adam', lr: ' 0.002 ' },
    ];
    for (const c of cases) {
      const r = roundTrip({ ...formFromDataset('moby-dick'), ...c }, null);
      expect(r.reparsed, JSON.stringify(c)).toEqual(r.parsed);
      expect(r.again).toEqual(r.config);
    }
    // "3e-3" is shown as the number it is.
    expect(roundTrip({ ...formFromDataset('moby-dick'), lr: '3e-3' }, null).back.form.lr).toBe('0.003');
    expect(roundTrip({ ...formFromDataset('moby-dick'), cell: 'rnn-relu' }, null).config.nonlinearity).toBe('relu');
  });

  it('brings an uploaded text back as the upload, counting code points', () => {
    const text = 'héllo wörld, 𝔘nicode.\n'.repeat(40);
    const upload = { name: 'notes.txt', text, chars: Array.from(text).length };
    const r = roundTrip({ ...formFromDataset('upload'), seqLen: '32', tbptt: '32' }, upload);
    expect(r.back.form.dataset).toBe('upload');
    expect(r.back.upload).toEqual(upload);
    expect(r.back.upload!.chars).toBe(880); // 22 code points a line (𝔘 is two UTF-16 units)
    expect(r.again).toEqual(r.config);
  });

  it('brings a CSV column back as a one-column CSV of the same values', () => {
    const temp = Array.from({ length: 400 }, (_, i) => Math.sin(i / 7));
    const file = {
      name: 'weather.csv',
      delimiter: ';' as const,
      header: true,
      rows: 400,
      otherColumns: ['date'],
      columns: [
        { name: 'rain', values: [1, 2], skipped: 398 },
        { name: 'temp', values: temp, skipped: 0 },
      ],
    };
    const r = roundTrip({ ...formFromDataset('series'), seqLen: '32', tbptt: '32' }, null, { file, column: 'temp' });
    expect(r.back.form.dataset).toBe('series');
    expect(r.back.series!.column).toBe('temp');
    expect(r.back.series!.file.name).toBe('weather.csv');
    expect(r.back.series!.file.columns).toEqual([{ name: 'temp', values: temp, skipped: 0 }]);
    expect(r.again).toEqual(r.config);
  });

  it('names what it cannot show', () => {
    const config = toSessionConfig(parseOk(formFromDataset('adding')), null);
    expect(() => formFromConfig({ ...config, dataset: { kind: 'task', name: 'parity' as never } })).toThrow('dataset: unknown task "parity"');
    expect(() => formFromConfig({ ...config, cell: 'transformer' as never })).toThrow('cell: unknown cell "transformer"');
  });
});

function parseOk(form: FormValues) {
  const r = parseSettings(form, { uploadChars: null });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.settings;
}
