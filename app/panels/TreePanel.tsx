// For a tree dataset: what the task asks, the root accuracy on the deeper validation trees at each
// validation (a small chart, with the always-the-most-frequent-class baseline), and the drawn
// validation trees (TreeView), coloured by a hidden unit or by whether each prediction is right.

import { useSyncExternalStore } from 'react';
import { datasetInfo, isTreeDataset } from '../config/datasets.ts';
import { toTreeConfig } from '../config/sessionConfig.ts';
import { COLORS } from '../charts/theme.ts';
import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';
import { TreeView, validationText } from '../tree/TreeView.tsx';
import type { AccuracyPoint } from '../tree/treeFeed.ts';
import { Versus } from './Versus.tsx';

export function TreePanel() {
  const applied = useStore((s) => s.applied);
  const treeFile = useStore((s) => s.appliedTreeFile);
  const dataset = useStore((s) => s.applied?.dataset ?? s.form.dataset);
  const majority = useStore((s) => s.treeModel?.majorityAccuracy ?? null);
  const accuracy = useSyncExternalStore(
    (f) => lab.trees.changed.subscribe(f),
    () => lab.trees.accuracy,
  );
  const info = datasetInfo(dataset);
  const task = applied && isTreeDataset(applied.dataset) && (applied.dataset !== 'tree-upload' || treeFile) ? toTreeConfig(applied, treeFile) : null;
  const last = accuracy.at(-1);
  return (
    <section className="panel task wide" aria-labelledby="tree-title" data-testid="tree-panel">
      <header className="panel-head">
        <h2 id="tree-title">{info.label.replace(/^Trees: /, '')}</h2>
      </header>
      <p>{info.description}</p>
      <Versus
        model={{ label: `Root accuracy${task ? ` on ${validationText(task)}` : ''}`, value: last ? last.accuracy.toFixed(3) : '–', testId: 'tree-accuracy' }}
        baseline={{ label: 'Always the most frequent class', value: majority === null ? '–' : majority.toFixed(3), testId: 'tree-majority' }}
      />
      <AccuracyChart points={accuracy} majority={majority} />
      <TreeView feed={lab.trees} task={task} />
    </section>
  );
}

const W = 480;
const H = 120;
const PAD = { left: 34, right: 8, top: 8, bottom: 20 };

/** Root accuracy by validation step, y from 0 to 1, the majority baseline dashed. */
function AccuracyChart({ points, majority }: { points: AccuracyPoint[]; majority: number | null }) {
  if (points.length === 0) return <p className="muted">The accuracy appears at the first validation (every 40 steps, and when training pauses).</p>;
  const maxStep = Math.max(1, points.at(-1)!.step);
  const x = (step: number) => PAD.left + (step / maxStep) * (W - PAD.left - PAD.right);
  const y = (a: number) => PAD.top + (1 - a) * (H - PAD.top - PAD.bottom);
  const line = points.map((p) => `${x(p.step).toFixed(1)},${y(p.accuracy).toFixed(1)}`).join(' ');
  return (
    <svg
      className="accuracy-chart"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      style={{ maxWidth: '100%', height: 'auto', display: 'block' }}
      role="img"
      aria-label={`root accuracy on the validation trees: ${points.length} validations, last ${points.at(-1)!.accuracy.toFixed(3)}`}
      data-testid="tree-accuracy-chart"
    >
      {[0, 0.5, 1].map((t) => (
        <g key={t}>
          <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} stroke={COLORS.grid} />
          <text x={PAD.left - 4} y={y(t) + 4} textAnchor="end" fontSize={10} fill={COLORS.axis}>
            {t}
          </text>
        </g>
      ))}
      <text x={W - PAD.right} y={H - 4} textAnchor="end" fontSize={10} fill={COLORS.axis}>
        step {maxStep.toLocaleString('en-US')}
      </text>
      <text x={PAD.left} y={H - 4} fontSize={10} fill={COLORS.axis}>
        root accuracy by step{majority !== null ? ' (dashed: always the most frequent class)' : ''}
      </text>
      {majority !== null && <line x1={PAD.left} x2={W - PAD.right} y1={y(majority)} y2={y(majority)} stroke={COLORS.baseline} strokeDasharray="4 3" />}
      <polyline points={line} fill="none" stroke={COLORS.validation} strokeWidth={2} />
      {points.map((p) => (
        <circle key={p.step} cx={x(p.step)} cy={y(p.accuracy)} r={2.5} fill={COLORS.validation}>
          <title>{`step ${p.step}: ${p.accuracy.toFixed(3)}`}</title>
        </circle>
      ))}
    </svg>
  );
}
