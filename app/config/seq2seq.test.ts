// The encoder–decoder datasets in the settings form: their defaults (which the worker accepts), the
// checks of the attention and training size, the Seq2SeqSessionConfig they make, which changes keep
// the weights, a saved session back to the form, and the notebook cell that makes the same config.
import { describe, expect, it } from 'vitest';
import type { Seq2SeqSessionConfig } from '../../gpu/session/protocol.ts';
import { prepareSeq2SeqData } from '../../gpu/session/seq2seq.ts';
import { formatCell, parseCell } from '../notebook/cellConfig.ts';
import { planApply } from '../lab/planApply.ts';
import { formFromConfig } from '../persist/formFromConfig.ts';
import { useStore } from '../store/index.ts';
import { formFromDataset } from '../store/settingsSlice.ts';
import { weightsFileName } from '../weightsFile.ts';
import { DATASETS, datasetInfo, isSeq2SeqDataset, isTreeDataset, PAIRS_UPLOAD, SEQ2SEQ_DATASETS } from './datasets.ts';
import { noBidirectional, parseSettings, type FormValues, type Settings } from './schema.ts';
import { keepsWeights, toSeq2SeqConfig, toSessionConfig, toWorkerConfig } from './sessionConfig.ts';

const ctx = { uploadChars: null };
const LIMITS = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 };

function settings(form: FormValues, context: Parameters<typeof parseSettings>[1] = ctx): Settings {
  const r = parseSettings(form, context);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.settings;
}

const errorsOf = (form: FormValues, context: Parameters<typeof parseSettings>[1] = ctx) => {
  const r = parseSettings(form, context);
  return r.ok ? {} : r.errors;
};

const pairFile = { name: 'dates.tsv', text: '3 Dec 2026\t2026-12-03\n1 May 1900\t1900-05-01\n', pairs: 2 };

describe('encoder–decoder datasets', () => {
  it('are offered as pair datasets, the upload among them', () => {
    expect(DATASETS.filter((d) => d.kind === 'seq2seq').map((d) => d.id)).toEqual([...SEQ2SEQ_DATASETS, PAIRS_UPLOAD]);
    for (const id of [...SEQ2SEQ_DATASETS, PAIRS_UPLOAD]) expect([isSeq2SeqDataset(id), isTreeDataset(id)], id).toEqual([true, false]);
    expect(isSeq2SeqDataset('adding')).toBe(false);
  });

  it('default to a GRU with dot attention that the worker accepts', () => {
    for (const id of SEQ2SEQ_DATASETS) {
      const s = settings(formFromDataset(id));
      const config = toWorkerConfig(s, null) as Seq2SeqSessionConfig;
      expect(config, id).toMatchObject({
        kind: 'seq2seq',
        task: id,
        cell: 'gru',
        nonlinearity: 'tanh',
        layers: 1,
        hidden: 64,
        attention: 'dot',
        batchSize: 32,
      });
      expect(config.maxLength).toBe(Number(datasetInfo(id).defaults.maxLength));
      expect('pairs' in config || 'bidirectional' in config).toBe(false);
      expect(() => prepareSeq2SeqData(config, LIMITS), id).not.toThrow();
    }
    expect(toSeq2SeqConfig(settings(formFromDataset('reverse'))).maxLength).toBe(8);
  });

  it('ignore the sequence lengths and tree depths (the form hides them)', () => {
    const s = settings({ ...formFromDataset('reverse'), seqLen: 'x', tbptt: '7', trainDepth: '', validationDepth: '1' });
    expect(s.dataset).toBe('reverse');
  });

  it('check the training size against the task’s range, naming what it counts', () => {
    expect(errorsOf({ ...formFromDataset('reverse'), maxLength: '0' })).toEqual({ maxLength: 'At least 1.' });
    expect(errorsOf({ ...formFromDataset('addition'), maxLength: '13' })).toEqual({ maxLength: 'From 1 to 12 digits per operand for the addition task.' });
    expect(errorsOf({ ...formFromDataset('dates'), maxLength: '9' })).toEqual({ maxLength: 'From 10 to 26 characters for the dates task.' });
    expect(errorsOf({ ...formFromDataset('sort'), maxLength: '2.5' })).toEqual({ maxLength: 'Must be a whole number.' });
  });

  it('take the sizes an encoder–decoder session takes, and a recurrent cell', () => {
    expect(errorsOf({ ...formFromDataset('reverse'), hidden: '512', layers: '5', batchSize: '300', cell: 'tree-lstm' })).toEqual({
      hidden: 'At most 256 for an encoder–decoder.',
      layers: 'At most 4 for an encoder–decoder (its encoder and its decoder each have this many).',
      batchSize: 'At most 256 pairs per step.',
      cell: 'Tree RNN and Tree-LSTM train on the tree datasets only: pick an RNN, GRU or LSTM.',
    });
  });

  it('may read the source both ways, with any attention', () => {
    expect(noBidirectional('reverse')).toBeNull();
    const s = settings({ ...formFromDataset('dates'), cell: 'rnn-relu', bidirectional: true, attention: 'additive', layers: '2' });
    expect(toSeq2SeqConfig(s)).toMatchObject({ cell: 'rnn', nonlinearity: 'relu', bidirectional: true, attention: 'additive', layers: 2, maxLength: 20 });
    const none = toSeq2SeqConfig(settings({ ...formFromDataset('sort'), attention: 'none' }));
    expect(none.attention).toBe('none');
    expect(() => prepareSeq2SeqData(none, LIMITS)).not.toThrow();
  });

  it('leave the recurrent datasets as they were: attention and training size do not apply there', () => {
    const s = settings({ ...formFromDataset('tagging'), attention: 'additive', maxLength: 'junk' });
    expect(s.attention).toBe(datasetInfo('tagging').defaults.attention);
    expect(toSessionConfig(s, null)).not.toHaveProperty('attention');
    expect(() => toSeq2SeqConfig(s)).toThrow(/not a pair dataset/);
    expect(() => toSessionConfig(settings(formFromDataset('reverse')), null)).toThrow(/toSeq2SeqConfig/);
  });

  it('a pairs file must be uploaded first, and travels in the config', () => {
    const form = formFromDataset(PAIRS_UPLOAD);
    expect(errorsOf(form)).toEqual({ dataset: 'Upload a pairs file first.' });
    const s = settings({ ...form, maxLength: 'junk' }, { ...ctx, pairFile: 2 });
    const config = toWorkerConfig(s, null, null, null, pairFile) as Seq2SeqSessionConfig;
    expect(config).toMatchObject({ kind: 'seq2seq', task: 'file', pairs: { name: 'dates.tsv', text: pairFile.text } });
    expect(config).not.toHaveProperty('maxLength');
    expect(() => prepareSeq2SeqData(config, LIMITS)).not.toThrow();
    expect(() => toSeq2SeqConfig(s)).toThrow(/No pairs file/);
  });

  it('keep the weights for a new optimizer, batch size or training size, not for a new model or task', () => {
    const a = settings(formFromDataset('reverse'));
    expect(keepsWeights(a, { ...a, lr: 0.01, optimizer: 'sgd', clip: 0, seed: 7, batchSize: 8, maxLength: 12 }, true)).toBe(true);
    for (const change of [{ attention: 'none' }, { hidden: 32 }, { bidirectional: true }, { layers: 2 }, { cell: 'lstm' }, { dataset: 'sort' }] as const)
      expect(keepsWeights(a, { ...a, ...change }, true), JSON.stringify(change)).toBe(false);
    const file = settings(formFromDataset(PAIRS_UPLOAD), { ...ctx, pairFile: 2 });
    expect(keepsWeights(file, file, false), 'another file').toBe(false);
    expect(keepsWeights(file, { ...file, lr: 0.1 }, true)).toBe(true);
  });

  it('applying: the same pairs file keeps the weights for a new learning rate, another file asks first', () => {
    const form = formFromDataset(PAIRS_UPLOAD);
    const applied = settings(form, { ...ctx, pairFile: 2 });
    const base = { ...useStore.getInitialState(), form, applied, pairFile, appliedPairFile: pairFile, steps: 50, phase: 'paused' as const };
    expect(planApply({ ...base, form: { ...form, lr: '0.01' } })).toMatchObject({ kind: 'configure', keepWeights: true });
    expect(planApply({ ...base, pairFile: { ...pairFile } })).toMatchObject({ kind: 'confirm', pending: { changed: ['dataset'] } });
    expect(planApply({ ...base, pairFile: null })).toEqual({ kind: 'invalid', errors: { dataset: 'Upload a pairs file first.' } });
  });

  it('come back from a saved config as the form that made them', () => {
    for (const id of SEQ2SEQ_DATASETS) {
      const form = { ...formFromDataset(id), hidden: '32', bidirectional: true, attention: 'general' as const };
      const config = toSeq2SeqConfig(settings(form));
      const back = formFromConfig(config);
      expect(back.form, id).toEqual(form);
      expect(toSeq2SeqConfig(settings(back.form))).toEqual(config);
    }
    const file = toSeq2SeqConfig(settings(formFromDataset(PAIRS_UPLOAD), { ...ctx, pairFile: 2 }), pairFile);
    const back = formFromConfig(file);
    expect(back.form).toEqual(formFromDataset(PAIRS_UPLOAD));
    expect(back.pairFile).toEqual(pairFile);
    // A config without maxLength trains the task's default size.
    const plain = toSeq2SeqConfig(settings(formFromDataset('addition')));
    delete plain.maxLength;
    expect(formFromConfig(plain).form.maxLength).toBe('3');
  });

  it('refuse a saved config the form cannot show, naming the field', () => {
    const c = toSeq2SeqConfig(settings(formFromDataset('reverse')));
    expect(() => formFromConfig({ ...c, task: 'poems' as never })).toThrow(/^dataset: unknown pair task "poems"/);
    expect(() => formFromConfig({ ...c, attention: 'cosine' as never })).toThrow(/^attention:/);
    expect(() => formFromConfig({ ...c, attention: 'additive', attentionSize: 12 })).toThrow(/^attentionSize:/);
    expect(() => formFromConfig({ ...c, task: 'file' })).toThrow(/^dataset: the pairs file is missing/);
    expect(() => formFromConfig({ ...c, task: 'file', pairs: { name: 'x.tsv', text: 'no tab here\n' } })).toThrow(/line 1: no tab/);
  });

  it('teacher forcing: full unless lowered; a share, or a share lowered to 0 by a step; back from a saved config', () => {
    const form = formFromDataset('reverse');
    expect(toSeq2SeqConfig(settings(form))).not.toHaveProperty('teacherForcing');
    const constant = toSeq2SeqConfig(settings({ ...form, teacherForcing: '0.75' }));
    expect(constant.teacherForcing).toBe(0.75);
    const scheduled = toSeq2SeqConfig(settings({ ...form, teacherForcingSteps: '3000' }));
    expect(scheduled.teacherForcing).toEqual({ from: 1, to: 0, steps: 3000, shape: 'linear' });
    for (const c of [constant, scheduled]) {
      expect(() => prepareSeq2SeqData(c, LIMITS)).not.toThrow();
      expect(toSeq2SeqConfig(settings(formFromConfig(c).form))).toEqual(c);
    }
    expect(formFromConfig(scheduled).form).toMatchObject({ teacherForcing: '1', teacherForcingSteps: '3000' });
    expect(errorsOf({ ...form, teacherForcing: '1.2' })).toEqual({ teacherForcing: 'At most 1 (a share of the steps).' });
    expect(errorsOf({ ...form, teacherForcingSteps: '-5' })).toEqual({ teacherForcingSteps: 'At least 0.' });
    // A schedule the page cannot write (not down to 0, or not linear) is named.
    expect(() => formFromConfig({ ...constant, teacherForcing: { from: 1, to: 0.5, steps: 10 } })).toThrow(
      /^teacherForcing: .*the page sets a ratio, or a linear schedule down to 0/,
    );
    // It trains the same model: changing it keeps the weights.
    const a = settings(form);
    expect(keepsWeights(a, { ...a, teacherForcing: 0.5, teacherForcingSteps: 100 }, true)).toBe(true);
    // And does not apply to the recurrent datasets.
    expect(toSessionConfig(settings({ ...formFromDataset('first-names'), teacherForcing: '0.3' }), null)).not.toHaveProperty('teacherForcing');
  });

  it('name the attention in the weights file', () => {
    expect(weightsFileName(settings(formFromDataset('reverse')), 120)).toBe('rnnlab-reverse-gru-h64x1-dot-step120.safetensors');
  });
});

describe('encoder–decoder notebook cells', () => {
  const cell = ['title: With attention', 'dataset: reverse', 'hidden: 32', 'attention: dot', 'maxLength: 8', 'steps: 200', 'views: loss, alignment'].join('\n');

  it('take the form’s fields and make the session config the page makes', () => {
    const r = parseCell(cell, 2);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.spec).toMatchObject({ tree: null, title: 'With attention', steps: 200, views: ['loss', 'alignment'], prompt: '', width: 'full' });
    expect(toSeq2SeqConfig(r.spec.settings!)).toEqual(toSeq2SeqConfig(settings({ ...formFromDataset('reverse'), hidden: '32' })));
    expect(toWorkerConfig(r.spec.settings!, null)).toMatchObject({ kind: 'seq2seq', task: 'reverse', maxLength: 8, hidden: 32, attention: 'dot' });
  });

  it('default to the loss and the alignment, and round-trip through formatCell', () => {
    const r = parseCell('dataset: dates\nattention: none\nbidirectional: true\ncell: lstm\nwidth: half', 1);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.spec.views).toEqual(['loss', 'alignment']);
    expect(formatCell(r.spec)).toBe(
      [
        'dataset: dates',
        'cell: lstm',
        'hidden: 64',
        'layers: 1',
        'bidirectional: true',
        'attention: none',
        'maxLength: 20',
        'batchSize: 32',
        'optimizer: adam',
        'lr: 0.005',
        'clip: 1',
        'seed: 1',
        'steps: 300',
        'views: loss, alignment',
        'width: half',
      ].join('\n'),
    );
    expect(parseCell(formatCell(r.spec), 1)).toEqual(r);
    const withDecode = parseCell(`${cell.replace('views: loss, alignment', 'views: loss, gradnorm, alignment, decode')}`, 1);
    expect(withDecode.ok && parseCell(formatCell(withDecode.spec), 1)).toEqual(withDecode);
  });

  it('refuse what does not apply to an encoder–decoder, naming each field', () => {
    const r = parseCell(
      ['dataset: reverse', 'seqLen: 16', 'prompt: ab', 'depth: 2', 'attention: cosine', 'maxLength: 200', 'views: loss, heatmap, tree'].join('\n'),
      3,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byField = Object.fromEntries(r.problems.map((p) => [p.field, p.message]));
    expect(r.problems.every((p) => p.cell === 3)).toBe(true);
    expect(byField.seqLen).toMatch(/^does not apply to an encoder–decoder/);
    expect(byField.prompt).toMatch(/is for character models/);
    expect(byField.depth).toMatch(/^does not apply to an encoder–decoder/);
    expect(byField.attention).toBe('one of none, dot, general, additive, got “cosine”.');
    expect(byField.maxLength).toBe('At most 100. (got “200”)');
    expect(byField.views).toBe('“heatmap”, “tree”: an encoder–decoder cell shows loss, gradnorm, alignment, decode.');
  });

  it('keep the attention and training size, and the alignment and decode views, to the pair datasets', () => {
    const r = parseCell('dataset: tagging\nattention: dot\nmaxLength: 8\nviews: loss, alignment, decode', 1);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const messages = r.problems.map((p) => `${p.field}: ${p.message}`);
    expect(messages).toContain('attention: applies to the encoder–decoder datasets (reverse, sort, addition, dates) only.');
    expect(messages).toContain('maxLength: applies to the encoder–decoder datasets (reverse, sort, addition, dates) only.');
    expect(messages).toContain('views: “alignment” is for the encoder–decoder datasets (reverse, sort, addition, dates).');
    expect(messages).toContain('views: “decode” is for the encoder–decoder datasets (reverse, sort, addition, dates).');
  });

  it('cannot use an uploaded pairs file (a notebook cannot carry a file)', () => {
    const r = parseCell('dataset: pairs-upload', 1);
    expect(!r.ok && r.problems[0].message).toMatch(/not a dataset a notebook can use/);
  });
});
