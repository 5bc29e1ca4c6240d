import { describe, expect, it } from 'vitest';
import { diverging, layoutTree } from './treeLayout.ts';

const leaf = { left: -1, right: -1, text: 'x', label: 0, predicted: 0 };
const inner = (left: number, right: number) => ({ left, right, text: '', label: 0, predicted: 0 });

describe('layoutTree', () => {
  // ((a b) c), nodes in level order as the worker sends them: a b c (ab) root.
  const abc = [leaf, leaf, leaf, inner(0, 1), inner(3, 2)];

  it('puts the leaves left to right, one unit apart', () => {
    const p = layoutTree({ nodes: abc, root: 4 });
    expect([0, 1, 2].map((i) => p[i].x)).toEqual([0, 1, 2]);
  });

  it('centres each parent above its children', () => {
    const p = layoutTree({ nodes: abc, root: 4 });
    expect(p.map((n) => n.x)).toEqual([0, 1, 2, 0.5, 1.25]);
    expect(p.map((n) => n.depth)).toEqual([2, 2, 1, 1, 0]);
  });

  it('places a single leaf at the origin', () => {
    expect(layoutTree({ nodes: [leaf], root: 0 })).toEqual([{ x: 0, depth: 0 }]);
  });

  it('lays out a chain 20,000 deep (no recursion to overflow the stack)', () => {
    const nodes = [leaf];
    for (let i = 0; i < 20000; i++) nodes.push(leaf, inner(nodes.length - 1, nodes.length));
    const p = layoutTree({ nodes, root: nodes.length - 1 });
    expect(p[nodes.length - 1].depth).toBe(0);
    expect(Math.max(...p.map((n) => n.depth))).toBe(20000);
  });
});

describe('diverging', () => {
  it('is white at 0, red for positive, blue for negative, clamped', () => {
    expect(diverging(0)).toBe('rgb(255,255,255)');
    expect(diverging(1)).toBe('rgb(202,0,32)');
    expect(diverging(-5)).toBe('rgb(5,113,176)');
    expect(diverging(NaN)).toBe('rgb(255,255,255)');
  });
});
