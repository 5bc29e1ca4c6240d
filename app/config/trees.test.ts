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
  it('are offered as tree datasets, the upload among them', () => {
    expect(DATASETS.filter((d) => d.kind === 'tree').map((d) => d.id)).toEqual([...TREE_DATASETS, 'tree-upload']);
    for (const id of TREE_DATASETS) expect(isTreeDataset(id)).toBe(true);
    expect(isTreeDataset('moby-dick')).toBe(false);
    expect(isTreeDataset('tree-upload')).toBe(true);
  });

  it('default to a Tree-LSTM that the worker accepts', () => {
    for (const id of TREE_DATASETS) {
      const s = settings(formFromDataset(id));
      expect(s.cell).toBe('tree-lstm');
      const config = toWorkerConfig(s, null);
      expect(config).toMatchObject({ kind: 'tree', cell: 'lstm', hidden: Number(datasetInfo(id).defaults.hidden) });
      expect(treeConfigProblem(config as TreeSessionConfig), id).toBeNull();
    }
  });

  const treeForm = formFromDataset('tree-upload');
  const treeFile = { name: 'sst.txt', text: '(1 (0 a) (2 b))\n(2 (2 c) (1 d))\n', trees: 2 };
  /** Settings for the tree file, its depths left unparseable: the file's trees have their own. */
  const fileSettings = () => {
    const r = parseSettings({ ...treeForm, trainDepth: 'x', validationDepth: '1', hidden: '12' }, { ...ctx, treeFile: 2 });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.settings;
  };
  const fileConfig = () => toWorkerConfig(fileSettings(), null, null, treeFile) as TreeSessionConfig;
  const saved = (config: TreeSessionConfig) => recordOf({ config, step: 3, weights: new ArrayBuffer(8), optimizer: new ArrayBuffer(8) }, new Metrics(), 0);

  it('a tree file must be uploaded first', () => {
    const missing = parseSettings(treeForm, ctx);
    expect(!missing.ok && missing.errors).toEqual({ dataset: 'Upload a tree file first.' });
  });

  it('a tree file ignores the depth fields: its defaults stand in', () => {
    const d = datasetInfo('tree-upload').defaults;
    const s = fileSettings();
    expect([s.trainDepth, s.validationDepth]).toEqual([Number(d.trainDepth), Number(d.validationDepth)]);
  });

  it('a tree file’s text goes to the worker in its config', () => {
    const config = fileConfig();
    expect(config).toMatchObject({ kind: 'tree', task: 'file', trees: { name: 'sst.txt', text: treeFile.text }, hidden: 12 });
    expect(treeConfigProblem(config)).toBeNull();
    expect(() => toTreeConfig(fileSettings())).toThrow(/No tree file/);
  });

  it('a tree file comes back from a save', () => {
    const back = formFromConfig(fileConfig());
    expect(back.treeFile).toEqual(treeFile);
    expect(back.form).toEqual({ ...treeForm, hidden: '12' });
    const plan = planRestore(saved(fileConfig()));
    expect(plan.ok && plan.treeFile).toEqual(treeFile);
  });

  it('a damaged tree file in a save is refused, naming its line and column', () => {
    const damaged = planRestore(saved({ ...fileConfig(), trees: { name: 'sst.txt', text: '(1 a' } }));
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

  it('name each tree setting they refuse with its own message', () => {
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

  it('ignore the sequence fields they hide', () => {
    expect(parseSettings({ ...formFromDataset('tree-arithmetic'), seqLen: 'x', tbptt: '7', layers: '0' }, ctx).ok).toBe(true);
  });

  it('are the only datasets a tree cell trains on', () => {
    const r = parseSettings({ ...formFromDataset('moby-dick'), cell: 'tree-lstm' }, ctx);
    expect(!r.ok && r.errors.cell).toMatch(/tree datasets only/);
  });

  const arithmetic = () => settings(formFromDataset('tree-arithmetic'));

  it('keep the weights across changes to the optimizer, the batch size and the depths', () => {
    const a = arithmetic();
    expect(keepsWeights(a, { ...a, lr: 0.001, optimizer: 'sgd', clip: 0, seed: 4, batchSize: 8, trainDepth: 3, validationDepth: 6 }, true)).toBe(true);
    const f = { ...a, dataset: 'tree-upload' as const };
    expect(keepsWeights(f, { ...f, lr: 0.001 }, true)).toBe(true);
    const m = settings(formFromDataset('moby-dick'));
    expect(keepsWeights(m, { ...m, lr: 0.001 }, true)).toBe(true);
  });

  it('need new weights for another model shape', () => {
    const a = arithmetic();
    expect(keepsWeights(a, { ...a, hidden: 8 }, true)).toBe(false);
    expect(keepsWeights(a, { ...a, cell: 'tree-rnn' }, true)).toBe(false);
  });

  it('need new weights for other data', () => {
    const a = arithmetic();
    expect(keepsWeights(a, settings(formFromDataset('tree-sentiment')), true)).toBe(false);
    const f = { ...a, dataset: 'tree-upload' as const };
    expect(keepsWeights(f, { ...f, lr: 0.001 }, false)).toBe(false);
    expect(keepsWeights(settings(formFromDataset('first-names')), a, true)).toBe(false);
    expect(keepsWeights(a, settings(formFromDataset('first-names')), true)).toBe(false);
  });

  it('name their weights file after the tree cell', () => {
    expect(weightsFileName(settings(formFromDataset('tree-arithmetic')), 120)).toBe('rnnlab-tree-arithmetic-tree-lstm-h32-step120.safetensors');
  });

  const treeForms = TREE_DATASETS.map((id) => ({ ...formFromDataset(id), cell: 'tree-rnn' as const, hidden: '12', lr: '0.002' }));

  it('come back from a stored tree session as the same form', () => {
    for (const form of treeForms) {
      const back = formFromConfig(toTreeConfig(settings(form)));
      expect(back.form).toEqual(form);
      expect(back.upload).toBeNull();
    }
  });

  it('restore a stored tree session to the same worker config', () => {
    for (const form of treeForms) {
      const config = toTreeConfig(settings(form));
      const checkpoint: SavedTreeSession = { config, step: 5, weights: new ArrayBuffer(8), optimizer: new ArrayBuffer(8) };
      const plan = planRestore(recordOf(checkpoint, new Metrics(), 0));
      expect(plan.ok && toWorkerConfig(plan.settings, null)).toEqual(config);
    }
  });

  it('refuse to restore a stored tree session of an unknown task', () => {
    const bad = planRestore(saved({ ...toTreeConfig(arithmetic()), task: 'parsing' as 'arithmetic' }));
    expect(!bad.ok && bad.reason).toMatch(/unknown tree task "parsing"/);
  });
});
