import { describe, expect, it } from 'vitest';
import { formatCell, parseCell } from './cellConfig.ts';

describe('notebook cells', () => {
  it('the given fields override the dataset’s defaults', () => {
    const r = parseCell('title: Names\ndataset: first-names\ncell: gru\nhidden: 48\nlr: 0.01\nsteps: 200\nprompt: "Ma"\n# a comment\n', 3);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.settings).toMatchObject({ dataset: 'first-names', cell: 'gru', hidden: 48, lr: 0.01, seqLen: 16, batchSize: 32 });
    expect(r.spec).toMatchObject({ title: 'Names', steps: 200, prompt: 'Ma', views: ['loss', 'heatmap', 'samples'], width: 'full' });
  });

  it('round-trips through formatCell', () => {
    const r = parseCell('dataset: adding\ncell: rnn-tanh\nhidden: 32\nviews: loss, gradnorm, connectivity\nwidth: half', 1);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const again = parseCell(formatCell(r.spec), 1);
    expect(again).toEqual(r);
  });

  it('formatCell writes one `name: value` line per field, in the order of the form', () => {
    const r = parseCell('title: Names\ndataset: first-names\ncell: gru\nhidden: 48\nsteps: 200\nprompt: " Ma"\nwidth: half', 1);
    expect(r.ok && formatCell(r.spec)).toBe(
      [
        'title: Names',
        'dataset: first-names',
        'cell: gru',
        'hidden: 48',
        'layers: 1',
        'seqLen: 16',
        'tbptt: 16',
        'batchSize: 32',
        'optimizer: adam',
        'lr: 0.003',
        'clip: 1',
        'seed: 1',
        'steps: 200',
        'views: loss, heatmap, samples',
        'prompt: " Ma"',
        'width: half',
      ].join('\n'),
    );
  });

  it('reports each bad field with its cell and name', () => {
    const r = parseCell('dataset: adding\nhiden: 12\nhidden: 99999\nseqLen: 30\ntbptt: 7\nviews: loss, samples, wobble\nsteps: -1\nnot a line', 4);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byField: Record<string, string> = {};
    for (const p of r.problems) byField[p.field] = (byField[p.field] ? byField[p.field] + ' | ' : '') + p.message;
    expect(r.problems.every((p) => p.cell === 4)).toBe(true);
    expect(byField.hiden).toMatch(/unknown field \(did you mean “hidden”\?\)/);
    expect(byField.hidden).toMatch(/At most/);
    expect(byField.tbptt).toMatch(/Must divide the sequence length \(30\)/);
    expect(byField.views).toMatch(/“wobble”/);
    expect(byField.views).toMatch(/“samples” is for character models/);
    expect(byField.steps).toMatch(/whole number/);
    expect(byField['']).toMatch(/line 8 .* is not “name: value”/);
  });

  it('needs a dataset', () => {
    const missing = parseCell('cell: gru', 1);
    expect(!missing.ok && missing.problems[0]).toMatchObject({ field: 'dataset', message: expect.stringMatching(/required/) });
  });

  it('refuses the user’s upload as a dataset (a notebook cannot carry a file)', () => {
    const upload = parseCell('dataset: upload', 1);
    expect(!upload.ok && upload.problems[0].message).toMatch(/not a dataset a notebook can use/);
  });

  it('takes prototype keys for unknown fields, polluting nothing', () => {
    const proto = parseCell('dataset: copy\n__proto__: 1\nconstructor: 2', 1);
    expect(!proto.ok && proto.problems.map((p) => p.field)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).hidden).toBeUndefined();
  });

  it('refuses a field given twice', () => {
    const dup = parseCell('dataset: copy\nhidden: 8\nhidden: 9', 2);
    expect(!dup.ok && dup.problems[0]).toMatchObject({ field: 'hidden', message: expect.stringMatching(/twice/) });
  });

  it('refuses a cell over 4000 characters', () => {
    const big = parseCell('dataset: copy\n' + '#'.repeat(5000), 2);
    expect(!big.ok && big.problems[0].message).toMatch(/at most 4000/);
  });

  const treeCell = () => {
    const r = parseCell('dataset: tree-arithmetic\ncell: tree-rnn\nhidden: 24\ndepth: 2\ntestDepth: 4\nsteps: 100', 1);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return r.spec;
  };

  it('in a tree cell the given fields override the dataset’s defaults', () => {
    const spec = treeCell();
    expect(spec.settings).toBeNull();
    expect(spec.tree).toMatchObject({ kind: 'tree', task: 'arithmetic', cell: 'rnn', hidden: 24, batchSize: 32, trainDepth: 2, validationDepth: 4, seed: 0 });
    expect(spec.tree!.optimizer).toMatchObject({ kind: 'adam', lr: 0.005, clip: 1 });
    expect(spec.views).toEqual(['loss', 'tree']);
    const neg = parseCell('dataset: tree-sentiment', 1);
    expect(neg.ok && neg.spec.tree).toMatchObject({ task: 'negation', cell: 'lstm', trainDepth: 4, validationDepth: 7 });
  });

  it('a tree cell round-trips through formatCell', () => {
    const spec = treeCell();
    const again = parseCell(formatCell(spec), 1);
    expect(again.ok && again.spec).toEqual(spec);
  });

  it('a tree cell names each field it refuses', () => {
    const bad = parseCell('dataset: tree-arithmetic\ncell: lstm\nseqLen: 20\nlayers: 2\nprompt: x\ndepth: 3\ntestDepth: 3\nviews: loss, heatmap\nlr: 0', 3);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    const byField = Object.fromEntries(bad.problems.map((p) => [p.field, p.message]));
    expect(byField.cell).toMatch(/tree-rnn.*tree-lstm/);
    expect(byField.seqLen).toMatch(/does not apply to a tree dataset\. A tree cell takes: dataset, cell, hidden, batchSize/);
    expect(byField.layers).toMatch(/does not apply/);
    expect(byField.prompt).toMatch(/character models/);
    expect(byField.testDepth).toMatch(/must exceed depth \(3\)/);
    expect(byField.views).toMatch(/“heatmap”: a tree cell shows loss, gradnorm and tree/);
    expect(byField.lr).toMatch(/above 0/);
    expect(bad.problems.every((p) => p.cell === 3)).toBe(true);
  });

  it('a recurrent cell refuses what only a tree cell takes', () => {
    const seq = parseCell('dataset: copy\ndepth: 2\nviews: loss, tree', 1);
    expect(!seq.ok && seq.problems.map((p) => p.field).sort()).toEqual(['depth', 'views']);
  });

  it('bidirectional: true | false (default false), written back only when on', () => {
    const on = parseCell('dataset: tagging\ncell: lstm\nbidirectional: true', 1);
    expect(on.ok && on.spec.settings).toMatchObject({ dataset: 'tagging', cell: 'lstm', bidirectional: true });
    if (!on.ok) return;
    expect(formatCell(on.spec)).toMatch(/^layers: 1\nbidirectional: true\nseqLen: 24$/m);
    expect(parseCell(formatCell(on.spec), 1)).toEqual(on);
    const off = parseCell('dataset: tagging\nbidirectional: false', 1);
    expect(off.ok && off.spec.settings!.bidirectional).toBe(false);
    expect(off.ok && formatCell(off.spec)).not.toMatch(/bidirectional/);
    const none = parseCell('dataset: tagging', 1);
    expect(none.ok && none.spec.settings!.bidirectional).toBe(false);
  });

  it('bidirectional: a bad value, a next-step dataset and truncated BPTT are each a cell error naming the field', () => {
    const bad = parseCell('dataset: tagging\nbidirectional: yes', 2);
    expect(!bad.ok && bad.problems).toEqual([{ cell: 2, field: 'bidirectional', message: '“true” or “false”, got “yes”.' }]);
    for (const dataset of ['moby-dick', 'first-names', 'sine', 'mackey-glass']) {
      const r = parseCell(`dataset: ${dataset}\nbidirectional: true`, 3);
      expect(!r.ok && r.problems.map((p) => p.field), dataset).toEqual(['bidirectional']);
      expect(!r.ok && r.problems[0].message, dataset).toMatch(
        /target here is the next (character|value), which the reverse direction would already have read.*\(got “true”\)/,
      );
    }
    const tbptt = parseCell('dataset: copy\nseqLen: 20\ntbptt: 10\nbidirectional: true', 4);
    expect(!tbptt.ok && tbptt.problems).toEqual([
      {
        cell: 4,
        field: 'tbptt',
        message: expect.stringMatching(/^A bidirectional model reads each sequence whole.*TBPTT must equal the sequence length \(20\)\. \(got “10”\)$/),
      },
    ]);
    const tree = parseCell('dataset: tree-arithmetic\nbidirectional: true', 5);
    expect(!tree.ok && tree.problems[0]).toMatchObject({ field: 'bidirectional', message: expect.stringMatching(/does not apply to a tree dataset/) });
  });
});
