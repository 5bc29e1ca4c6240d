// The float64 tree reference against central finite differences (every parameter of small models,
// both cells, both head modes, ragged batches), and a hand-computed Tree-LSTM node that pins the
// gate order [i, o, u, f_l, f_r].
import { describe, it, expect } from 'vitest';
import { TreeReference } from './reference.ts';
import { initTreeParams, treeParamLayout, type TreeModelConfig } from './config.ts';
import { randomTreeBatch } from './random.ts';
import { buildTreeBatch, numericVocab } from './trees.ts';
import { parseTree } from './parse.ts';

describe('tree reference gradients vs central finite differences (float64)', () => {
  for (const cell of ['rnn', 'lstm'] as const)
    for (const heads of ['root', 'all'] as const)
      it(`${cell}, heads ${heads}`, () => {
        const cfg: TreeModelConfig = { cell, hidden: 3, vocab: 4, classes: 3, heads };
        const { batch } = randomTreeBatch(cell === 'rnn' ? 11 : 12, { B: 3, maxHeight: 4, V: 4, C: 3 });
        expect(batch.levels.length).toBeGreaterThan(3);
        const ref = new TreeReference(cfg);
        // Weights ×2 so gates leave their linear range and a sign error cannot hide.
        const p = Float64Array.from(initTreeParams(cfg, 5), (x) => 2 * x);
        const { grads, loss } = ref.lossAndGrad(p, batch);
        expect(Number.isFinite(loss)).toBe(true);
        const eps = 1e-6;
        let checked = 0;
        for (const s of treeParamLayout(cfg).specs)
          for (let k = s.offset; k < s.offset + s.size; k++) {
            const q = p.slice();
            q[k] += eps;
            const up = ref.forward(q, batch).loss;
            q[k] -= 2 * eps;
            const down = ref.forward(q, batch).loss;
            const fd = (up - down) / (2 * eps);
            expect(Math.abs(fd - grads[k]), `${s.name}[${k - s.offset}]: fd ${fd} analytic ${grads[k]}`).toBeLessThan(1e-7 + 1e-5 * Math.abs(fd));
            checked++;
          }
        expect(checked).toBe(treeParamLayout(cfg).specs.reduce((a, s) => a + s.size, 0));
        // Padding between tensors gets no gradient.
        const inside = new Set(treeParamLayout(cfg).specs.flatMap((s) => Array.from({ length: s.size }, (_, i) => s.offset + i)));
        grads.forEach((g, k) => inside.has(k) || expect(g).toBe(0));
      });
});

describe('the Tree-LSTM by hand', () => {
  it('computes one node from its two leaves with gates [i, o, u, f_l, f_r]', () => {
    const cfg: TreeModelConfig = { cell: 'lstm', hidden: 1, vocab: 2, classes: 2, heads: 'root' };
    const layout = treeParamLayout(cfg);
    const p = new Float64Array(layout.total);
    const set = (name: string, values: number[]) => p.set(values, layout.byName.get(name)!.offset);
    set('embedding.weight', [0.5, -1, 2, /* token 1 */ -0.5, 1, 1]); // [V, 3H]: i, o, u
    set('tree.weight', [0.1, 0.2, /* o */ 0.3, -0.4, /* u */ 1, 1, /* f_l */ 2, 0, /* f_r */ 0, -2]);
    set('tree.bias', [0, 0.1, 0.2, 0.3, 0.4]);
    const batch = buildTreeBatch([{ ...parseTree('(0 1)', 'sexpr'), label: 1 }], numericVocab(2));
    const { hs, cs } = new TreeReference(cfg).forward(p, batch);
    const s = (x: number) => 1 / (1 + Math.exp(-x));
    const leaf = (i: number, o: number, u: number) => {
      const c = s(i) * Math.tanh(u);
      return { c, h: s(o) * Math.tanh(c) };
    };
    const a = leaf(0.5 + 0, -1 + 0.1, 2 + 0.2);
    const b = leaf(-0.5, 1 + 0.1, 1 + 0.2);
    const c = s(0.1 * a.h + 0.2 * b.h) * Math.tanh(a.h + b.h + 0.2) + s(2 * a.h + 0.3) * a.c + s(-2 * b.h + 0.4) * b.c;
    const h = s(0.3 * a.h - 0.4 * b.h + 0.1) * Math.tanh(c);
    expect(batch.roots[0]).toBe(2);
    expect(Array.from(cs!)).toEqual([a.c, b.c, c].map((x) => expect.closeTo(x, 14)));
    expect(Array.from(hs)).toEqual([a.h, b.h, h].map((x) => expect.closeTo(x, 14)));
  });
});
