// The tree datasets in the settings form: their defaults, the checks of a tree cell and depths, the
// worker config they make, and a stored tree session back to the form (autosave's restore).
import { describe, expect, it } from 'vitest';
import type { SavedTreeSession, TreeSessionConfig } from '../../gpu/session/protocol.ts';
import { treeConfigProblem } from '../../gpu/session/tree.ts';
import { Metrics } from '../metrics/metrics.ts';
import { parseCell } from '../notebook/cellConfig.ts';
import { formFromConfig } from '../persist/formFromConfig.ts';
import { planRestore, recordOf } from '../persist/sessionRecord.ts';
import { formFromDataset } from '../store/settingsSlice.ts';
import { weightsFileName } from '../weightsFile.ts';
import { DATASETS, datasetInfo, isTreeDataset, TREE_DATASETS } from './datasets.ts';
import { parseSettings, type FormValues, type Settings } from './schema.ts';
import { keepsWeights, toSessionConfig, toTreeConfig, toWorkerConfig } from './sessionConfig.ts';

const ctx = { uploadChars: null };

function settings(form: FormValues): Settings {
  const r = parseSettings(form, ctx);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.settings;
}

describe('tree datasets', () => {
  it('are offered with tree cells and defaults the worker accepts', () => {
    expect(DATASETS.filter((d) => d.kind === 'tree').map((d) => d.id)).toEqual([...TREE_DATASETS, 'tree-upload']);
    for (const id of TREE_DATASETS) {
      expect(isTreeDataset(id)).toBe(true);
      const s = settings(formFromDataset(id));
      expect(s.cell).toBe('tree-lstm');
      const config = toWorkerConfig(s, null);
      expect(config).toMatchObject({ kind: 'tree', cell: 'lstm', hidden: Number(datasetInfo(id).defaults.hidden) });
      expect(treeConfigProblem(config as TreeSessionConfig), id).toBeNull();
    }
    expect(isTreeDataset('moby-dick')).toBe(false);
    expect(isTreeDataset('tree-upload')).toBe(true);
  });

  it('a tree file: needs the upload, ignores the depths, and carries the text to the worker and back from a save', () => {
    const form = formFromDataset('tree-upload');
    const missing = parseSettings(form, ctx);
    expect(!missing.ok && missing.errors).toEqual({ dataset: 'Upload a tree file first.' });
    const file = { name: 'sst.txt', text: '(1 (0 a) (2 b))\n(2 (2 c) (1 d))\n', trees: 2 };
    const r = parseSettings({ ...form, trainDepth: 'x', validationDepth: '1', hidden: '12' }, { ...ctx, treeFile: 2 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const config = toWorkerConfig(r.settings, null, null, file) as TreeSessionConfig;
    expect(config).toMatchObject({ kind: 'tree', task: 'file', trees: { name: 'sst.txt', text: file.text }, hidden: 12 });
    expect(treeConfigProblem(config)).toBeNull();
    expect(() => toTreeConfig(r.settings)).toThrow(/No tree file/);
    const back = formFromConfig(config);
    expect(back.treeFile).toEqual(file);
    expect(back.form).toEqual({ ...form, hidden: '12' });
    const plan = planRestore(recordOf({ config, step: 3, weights: new ArrayBuffer(8), optimizer: new ArrayBuffer(8) }, new Metrics(), 0));
    expect(plan.ok && plan.treeFile).toEqual(file);
    const damaged = planRestore(
      recordOf(
        { config: { ...config, trees: { name: 'sst.txt', text: '(1 a' } }, step: 3, weights: new ArrayBuffer(8), optimizer: new ArrayBuffer(8) },
        new Metrics(),
        0,
      ),
    );
    expect(!damaged.ok && damaged.reason).toMatch(/line 1, column 1: unbalanced/);
  });

  it('make the TreeSessionConfig the notebook makes for the same settings', () => {
    const s = settings({
      ...formFromDataset('tree-sentiment'),
      cell: 'tree-rnn',
      hidden: '8',
      batchSize: '4',
      optimizer: 'sgd',
      lr: '0.1',
      clip: '0',
      seed: '3',
      trainDepth: '3',
      validationDepth: '6',
    });
    expect(toTreeConfig(s)).toMatchObject({
      kind: 'tree',
      task: 'negation',
      cell: 'rnn',
      hidden: 8,
      batchSize: 4,
      trainDepth: 3,
      validationDepth: 6,
      optimizer: { kind: 'sgd', lr: 0.1, clip: 0 },
      seed: 3,
    });
    const cell = parseCell(
      [
        'dataset: tree-sentiment',
        'cell: tree-rnn',
        'hidden: 8',
        'batchSize: 4',
        'optimizer: sgd',
        'lr: 0.1',
        'clip: 0',
        'seed: 3',
        'depth: 3',
        'testDepth: 6',
      ].join('\n'),
      1,
    );
    expect(cell.ok && cell.spec.tree).toEqual(toTreeConfig(s));
    expect(toWorkerConfig(s, null)).toEqual(toTreeConfig(s));
    expect(() => toSessionConfig(s, null)).toThrow(/tree/);
  });

  it('refuse a recurrent cell, too-large sizes and validation trees no deeper than training, by field', () => {
    const r = parseSettings(
      { ...formFromDataset('tree-arithmetic'), cell: 'gru', hidden: '512', batchSize: '300', trainDepth: '3', validationDepth: '3' },
      ctx,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.cell).toBe('A tree dataset trains a Tree RNN or a Tree-LSTM.');
    expect(r.errors.hidden).toBe('At most 256 for a tree model.');
    expect(r.errors.batchSize).toBe('At most 256 trees per step.');
    expect(r.errors.validationDepth).toMatch(/^Must exceed the training depth \(3\)/);
    const depth = parseSettings({ ...formFromDataset('tree-arithmetic'), trainDepth: '6', validationDepth: '10' }, ctx);
    expect(!depth.ok && depth.errors).toEqual({ trainDepth: 'At most 5.', validationDepth: 'At most 9.' });
    const height = parseSettings({ ...formFromDataset('tree-sentiment'), validationDepth: '4' }, ctx);
    expect(!height.ok && height.errors.validationDepth).toMatch(/training height \(4\)/);
  });

  it('ignore the sequence fields they hide, and a recurrent dataset refuses a tree cell', () => {
    expect(parseSettings({ ...formFromDataset('tree-arithmetic'), seqLen: 'x', tbptt: '7', layers: '0' }, ctx).ok).toBe(true);
    const r = parseSettings({ ...formFromDataset('moby-dick'), cell: 'tree-lstm' }, ctx);
    expect(!r.ok && r.errors.cell).toMatch(/tree datasets only/);
  });

  it('keep the weights across optimizer, batch size and depth changes, not across the model’s shape or the data', () => {
    const a = settings(formFromDataset('tree-arithmetic'));
    expect(keepsWeights(a, { ...a, lr: 0.001, optimizer: 'sgd', clip: 0, seed: 4, batchSize: 8, trainDepth: 3, validationDepth: 6 }, true)).toBe(true);
    expect(keepsWeights(a, { ...a, hidden: 8 }, true)).toBe(false);
    expect(keepsWeights(a, { ...a, cell: 'tree-rnn' }, true)).toBe(false);
    expect(keepsWeights(a, settings(formFromDataset('tree-sentiment')), true)).toBe(false);
    const f = { ...a, dataset: 'tree-upload' as const };
    expect(keepsWeights(f, { ...f, lr: 0.001 }, true)).toBe(true);
    expect(keepsWeights(f, { ...f, lr: 0.001 }, false)).toBe(false);
    expect(keepsWeights(settings(formFromDataset('first-names')), a, true)).toBe(false);
    expect(keepsWeights(a, settings(formFromDataset('first-names')), true)).toBe(false);
    const m = settings(formFromDataset('moby-dick'));
    expect(keepsWeights(m, { ...m, lr: 0.001 }, true)).toBe(true);
  });

  it('name their weights file after the tree cell', () => {
    expect(weightsFileName(settings(formFromDataset('tree-arithmetic')), 120)).toBe('rnnlab-tree-arithmetic-tree-lstm-h32-step120.safetensors');
  });

  it('come back from a stored tree session: the form, and a restore plan', () => {
    for (const id of TREE_DATASETS) {
      const form = { ...formFromDataset(id), cell: 'tree-rnn' as const, hidden: '12', lr: '0.002' };
      const config = toTreeConfig(settings(form));
      const back = formFromConfig(config);
      expect(back.form).toEqual(form);
      expect(back.upload).toBeNull();
      const checkpoint: SavedTreeSession = { config, step: 5, weights: new ArrayBuffer(8), optimizer: new ArrayBuffer(8) };
      const plan = planRestore(recordOf(checkpoint, new Metrics(), 0));
      expect(plan.ok && toWorkerConfig(plan.settings, null)).toEqual(config);
    }
    const bad = planRestore(
      recordOf(
        {
          config: { ...toTreeConfig(settings(formFromDataset('tree-arithmetic'))), task: 'parsing' as 'arithmetic' },
          step: 1,
          weights: new ArrayBuffer(8),
          optimizer: new ArrayBuffer(8),
        },
        new Metrics(),
        0,
      ),
    );
    expect(!bad.ok && bad.reason).toMatch(/unknown tree task "parsing"/);
  });
});
