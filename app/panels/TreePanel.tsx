// For a tree dataset: what the task asks, the root accuracy on the deeper validation trees at each
// validation (a small chart, with the always-the-most-frequent-class baseline), and the drawn
// validation trees (TreeView), coloured by a hidden unit or by whether each prediction is right.

import { useSyncExternalStore } from 'react';
import { datasetInfo, isTreeDataset } from '../config/datasets.ts';
import { toTreeConfig } from '../config/sessionConfig.ts';
import { COLORS } from '../charts/theme.ts';
import { polyline, ShareChart } from '../charts/ShareChart.tsx';
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

/** Root accuracy by validation step, y from 0 to 1, the majority baseline dashed. */
function AccuracyChart({ points, majority }: { points: AccuracyPoint[]; majority: number | null }) {
  if (points.length === 0) return <p className="muted">The accuracy appears at the first validation (every 40 steps, and when training pauses).</p>;
  return (
    <ShareChart
      lastStep={points.at(-1)!.step}
      label={`root accuracy on the validation trees: ${points.length} validations, last ${points.at(-1)!.accuracy.toFixed(3)}`}
      caption={`root accuracy by step${majority !== null ? ' (dashed: always the most frequent class)' : ''}`}
      testId="tree-accuracy-chart"
    >
      {(s) => (
        <>
          {majority !== null && <line x1={s.left} x2={s.right} y1={s.y(majority)} y2={s.y(majority)} stroke={COLORS.baseline} strokeDasharray="4 3" />}
          <polyline points={polyline(s, points, (p) => p.accuracy)} fill="none" stroke={COLORS.validation} strokeWidth={2} />
          {points.map((p) => (
            <circle key={p.step} cx={s.x(p.step)} cy={s.y(p.accuracy)} r={2.5} fill={COLORS.validation}>
              <title>{`step ${p.step}: ${p.accuracy.toFixed(3)}`}</title>
            </circle>
          ))}
        </>
      )}
    </ShareChart>
  );
}
