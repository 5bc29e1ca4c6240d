// The tidy layout and colours of a tree cell's drawing (TreeView.tsx), kept free of React for tests.

import type { TreeView as TreeData } from '../../gpu/session/protocol.ts';

export interface PlacedNode {
  x: number;
  depth: number;
}

/** Leaves at x = 0, 1, 2, … in left-to-right order, each inner node at the mean x of its two children; depth from the root. */
export function layoutTree(t: Pick<TreeData, 'nodes' | 'root'>): PlacedNode[] {
  const out: PlacedNode[] = new Array(t.nodes.length);
  let next = 0;
  // Iterative post-order, so deep trees cannot overflow the stack.
  const stack: [number, number, boolean][] = [[t.root, 0, false]];
  while (stack.length) {
    const [n, depth, done] = stack.pop()!;
    const node = t.nodes[n];
    if (node.left < 0) out[n] = { x: next++, depth };
    else if (done) out[n] = { x: (out[node.left].x + out[node.right].x) / 2, depth };
    else stack.push([n, depth, true], [node.right, depth + 1, false], [node.left, depth + 1, false]);
  }
  return out;
}

/** Diverging colour for v in [−1, 1]: blue, white, red. */
export function diverging(v: number): string {
  const a = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  const mix = (from: number, to: number) => Math.round(from + (to - from) * Math.abs(a));
  return a >= 0 ? `rgb(${mix(255, 202)},${mix(255, 0)},${mix(255, 32)})` : `rgb(${mix(255, 5)},${mix(255, 113)},${mix(255, 176)})`;
}
