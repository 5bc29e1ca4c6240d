import { describe, expect, it } from 'vitest';
import { formatCell, parseCell } from './cellConfig.ts';

describe('notebook cells', () => {
  it('takes a dataset’s defaults and overrides the given fields', () => {
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

  it('needs a known dataset, never the upload; prototype keys are unknown fields', () => {
    const missing = parseCell('cell: gru', 1);
    expect(!missing.ok && missing.problems[0]).toMatchObject({ field: 'dataset', message: expect.stringMatching(/required/) });
    const upload = parseCell('dataset: upload', 1);
    expect(!upload.ok && upload.problems[0].message).toMatch(/not a dataset a notebook can use/);
    const proto = parseCell('dataset: copy\n__proto__: 1\nconstructor: 2', 1);
    expect(!proto.ok && proto.problems.map((p) => p.field)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).hidden).toBeUndefined();
  });

  it('rejects duplicated fields and oversized cells', () => {
    const dup = parseCell('dataset: copy\nhidden: 8\nhidden: 9', 2);
    expect(!dup.ok && dup.problems[0]).toMatchObject({ field: 'hidden', message: expect.stringMatching(/twice/) });
    const big = parseCell('dataset: copy\n' + '#'.repeat(5000), 2);
    expect(!big.ok && big.problems[0].message).toMatch(/at most 4000/);
  });
});
