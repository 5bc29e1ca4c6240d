// A tree session's validation trees (a notebook tree cell, the app's tree panel), drawn from the latest `tree` message (one per validation): a tidy
// layout (leaves left to right, each parent centred above its children), nodes coloured by one hidden
// unit (diverging: blue negative, white 0, red positive) or by whether the prediction is right, tokens
// under the leaves, predicted and true labels on hover. Redrawn only when a new message arrives.

import { memo, useId, useMemo, useState, useSyncExternalStore } from 'react';
import type { TreeSessionConfig, TreeView as TreeData } from '../../gpu/session/protocol.ts';
import type { TreeFeed } from './treeFeed.ts';
import { diverging, layoutTree } from './treeLayout.ts';
import './tree.css';

const RIGHT = '#1a9850';
const WRONG = '#d73027';
const NONE = '#bbbbbb';
const DX = 26;
const DY = 30;
const R = 8;

type Mode = 'unit' | 'correct';

const Tree = memo(function Tree({
  tree,
  hidden,
  classes,
  unit,
  mode,
  index,
}: {
  tree: TreeData;
  hidden: number;
  classes: string[];
  unit: number;
  mode: Mode;
  index: number;
}) {
  const placed = useMemo(() => layoutTree(tree), [tree]);
  const leaves = placed.reduce((m, p) => Math.max(m, p.x), 0) + 1;
  const depth = placed.reduce((m, p) => Math.max(m, p.depth), 0);
  const width = leaves * DX + 2 * R;
  const height = depth * DY + 2 * R + 18;
  const pos = (n: number) => ({ cx: R + placed[n].x * DX + DX / 2 - R, cy: R + 2 + placed[n].depth * DY });
  const name = (c: number) => (c >= 0 ? (classes[c] ?? String(c)) : '–');
  const root = tree.nodes[tree.root];
  return (
    <figure className="nb-tree" data-testid="nb-tree">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`validation tree ${index + 1}: ${tree.nodes.length} nodes`}>
        {tree.nodes.map((n, i) =>
          n.left < 0 ? null : (
            <g key={`e${i}`} stroke="#999" strokeWidth={1}>
              <line x1={pos(i).cx} y1={pos(i).cy} x2={pos(n.left).cx} y2={pos(n.left).cy} />
              <line x1={pos(i).cx} y1={pos(i).cy} x2={pos(n.right).cx} y2={pos(n.right).cy} />
            </g>
          ),
        )}
        {tree.nodes.map((n, i) => {
          const { cx, cy } = pos(i);
          const v = tree.states[i * hidden + unit];
          const fill = mode === 'unit' ? diverging(v) : n.label < 0 ? NONE : n.predicted === n.label ? RIGHT : WRONG;
          const tip = `${n.text ? `“${n.text}” ` : ''}predicted ${name(n.predicted)}, true ${name(n.label)}; h[${unit}] = ${v.toFixed(3)}`;
          return (
            <g key={i}>
              <circle
                cx={cx}
                cy={cy}
                r={R}
                fill={fill}
                stroke={n.label >= 0 && n.predicted !== n.label ? WRONG : '#555'}
                strokeWidth={n.label >= 0 && n.predicted !== n.label ? 2 : 1}
              >
                <title>{tip}</title>
              </circle>
              {n.left < 0 && (
                <text x={cx} y={cy + R + 11} textAnchor="middle" fontSize={11}>
                  {n.text}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="muted">
        root: predicted {name(root.predicted)}, true {name(root.label)} {root.label >= 0 ? (root.predicted === root.label ? '✓' : '✗') : ''}
      </figcaption>
    </figure>
  );
});

/** What the accuracy line says the validation trees are, and what training saw. */
export function validationText(t: Pick<TreeSessionConfig, 'task' | 'trainDepth' | 'validationDepth'>): string {
  if (t.task === 'file') return 'your held-out trees (the last 10% of the file)';
  const what = t.task === 'arithmetic' ? `depth-${t.validationDepth} expressions` : `phrases ${t.validationDepth} levels tall`;
  return `${what} (trained on ${t.trainDepth === 1 ? '' : '≤ '}${t.trainDepth})`;
}

export function TreeView({ feed, task }: { feed: TreeFeed; task: Pick<TreeSessionConfig, 'task' | 'trainDepth' | 'validationDepth' | 'hidden'> | null }) {
  const msg = useSyncExternalStore(
    (f) => feed.changed.subscribe(f),
    () => feed.tree,
  );
  const accuracy = useSyncExternalStore(
    (f) => feed.changed.subscribe(f),
    () => feed.accuracy,
  );
  const [mode, setMode] = useState<Mode>('unit');
  const group = useId();
  const [unit, setUnit] = useState(0);
  const hidden = msg?.hidden ?? task?.hidden ?? 1;
  const u = Math.min(unit, hidden - 1);
  const last = accuracy.at(-1);
  return (
    <div className="nb-view wide tree-view" data-testid="nb-tree-view">
      <figcaption>
        <span>Validation trees{msg ? ` at step ${msg.step.toLocaleString('en-US')}` : ''}</span>
        <label className="toggle">
          <input type="radio" name={group} checked={mode === 'unit'} onChange={() => setMode('unit')} /> hidden unit
        </label>
        <label className="toggle">
          <input
            type="number"
            min={0}
            max={hidden - 1}
            value={u}
            disabled={mode !== 'unit'}
            style={{ width: '4em' }}
            aria-label="unit number"
            onChange={(e) => setUnit(Math.max(0, Math.min(hidden - 1, Math.round(Number(e.target.value)) || 0)))}
          />
        </label>
        <label className="toggle">
          <input type="radio" name={group} checked={mode === 'correct'} onChange={() => setMode('correct')} /> prediction right / wrong
        </label>
      </figcaption>
      {last && task && (
        <p className="muted" data-testid="nb-tree-accuracy">
          Root accuracy on {validationText(task)}: {last.accuracy.toFixed(3)}
          {feed.info ? ` (always the most frequent class: ${feed.info.majorityAccuracy.toFixed(3)})` : ''}
        </p>
      )}
      {msg ? (
        <div className="nb-trees">
          {msg.trees.map((tree, i) => (
            <Tree key={i} tree={tree} hidden={msg.hidden} classes={msg.classes} unit={u} mode={mode} index={i} />
          ))}
        </div>
      ) : (
        <p className="muted">The trees appear at the first validation (every 40 steps, and when training pauses).</p>
      )}
    </div>
  );
}
