// Every stored run beside the charts: its colour, an editable name, what changed from the run it
// came from, its steps, last training and validation loss, training time and size. Show draws a run
// on the charts beside the one in use (labelled by how its settings differ from it); Open switches
// the page to a run (the one in use is saved first); Delete asks first and never applies to the run in use.

import { useEffect, useState } from 'react';
import { lab } from '../lab/pageLab.ts';
import type { RunInfo } from '../persist/runStore.ts';
import { useStore } from '../store/index.ts';
import { RUN_COLOURS } from './colours.ts';
import { diffLabel, settingsDiff } from './settingsDiff.ts';

const loss = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(3));
const size = (bytes: number) => (bytes < 1 << 20 ? `${Math.max(1, Math.round(bytes / 1024))} KiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`);
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function RunList() {
  const runs = useStore((s) => s.runs);
  const current = useStore((s) => s.run);
  const busy = useStore((s) => s.phase === 'configuring' || s.phase === 'starting');
  const shown = useStore((s) => s.shownRuns);
  const applied = useStore((s) => s.applied);
  const [confirming, setConfirming] = useState<string | null>(null);
  const byId = new Map(runs.map((r) => [r.id, r]));
  const colourOf = (id: string) =>
    RUN_COLOURS[
      Math.max(
        0,
        runs.findIndex((r) => r.id === id),
      ) % RUN_COLOURS.length
    ];
  // The charts draw the shown runs (never the one in use twice: it is drawn live).
  useEffect(() => {
    const wanted = runs
      .filter((r) => shown.includes(r.id) && r.id !== current?.id)
      .map((r) => {
        const d = applied ? settingsDiff(applied, r.settings) : [];
        return { id: r.id, colour: colourOf(r.id), savedAt: r.savedAt, label: d.length ? `${r.name}: ${d.join(' · ')}` : r.name };
      });
    void lab.overlays.set(wanted);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runs, shown, current?.id, applied]);
  const total = runs.reduce((a, r) => a + r.bytes, 0);
  return (
    <section className="panel runs wide" aria-labelledby="runs-title" data-testid="run-list">
      <header className="panel-head">
        <h2 id="runs-title">Runs</h2>
        <span className="muted">{runs.length ? `${runs.length} stored, ${size(total)}` : 'none stored yet'}</span>
        <label className="button small" htmlFor="import-run">
          Import run…
        </label>
        <input
          id="import-run"
          data-testid="import-run"
          className="visually-hidden"
          type="file"
          accept=".safetensors"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void lab.importRun(f);
          }}
        />
      </header>
      {runs.length === 0 ? (
        <p className="muted">Each run you train is kept here (saved as it trains): new settings or Reset start a new one.</p>
      ) : (
        <div className="table-scroll">
          <table className="run-table">
            <thead>
              <tr>
                <th scope="col">Show</th>
                <th scope="col">Run</th>
                <th scope="col">Changes from the run it came from</th>
                <th scope="col">Steps</th>
                <th scope="col">Train loss</th>
                <th scope="col">Val. loss</th>
                <th scope="col">Training time</th>
                <th scope="col">Size</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r, i) => (
                <RunRow
                  key={r.id}
                  run={r}
                  colour={RUN_COLOURS[i % RUN_COLOURS.length]}
                  shown={shown.includes(r.id)}
                  label={diffLabel(r.parentId ? (byId.get(r.parentId)?.settings ?? null) : null, r.settings)}
                  inUse={current?.id === r.id}
                  busy={busy}
                  confirming={confirming === r.id}
                  onConfirm={(yes) => setConfirming(yes ? r.id : null)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RunRow(p: {
  run: RunInfo;
  colour: string;
  shown: boolean;
  label: string;
  inUse: boolean;
  busy: boolean;
  confirming: boolean;
  onConfirm(yes: boolean): void;
}) {
  const { run } = p;
  const [name, setName] = useState(run.name);
  const rename = () => (name.trim() && name !== run.name ? void lab.renameRun(run.id, name) : setName(run.name));
  return (
    <tr data-testid="run-row" data-run={run.id} aria-current={p.inUse ? 'true' : undefined}>
      <td>
        <input
          type="checkbox"
          aria-label={`Show ${run.name} on the charts`}
          checked={p.inUse || p.shown}
          disabled={p.inUse}
          title={p.inUse ? 'The run in use is always drawn' : undefined}
          onChange={(e) => useStore.setState((s) => ({ shownRuns: e.target.checked ? [...s.shownRuns, run.id] : s.shownRuns.filter((id) => id !== run.id) }))}
        />
      </td>
      <td>
        <span className="run-swatch" style={{ background: p.colour }} aria-hidden="true" />
        <input
          className="run-name"
          aria-label={`Name of ${run.name}`}
          value={name}
          maxLength={80}
          onChange={(e) => setName(e.target.value)}
          onBlur={rename}
          onKeyDown={(e) => e.key === 'Enter' && (e.currentTarget as HTMLInputElement).blur()}
        />
        {p.inUse && <span className="run-in-use"> (in use)</span>}
      </td>
      <td data-testid="run-diff">{p.label}</td>
      <td>{run.steps.toLocaleString('en-US')}</td>
      <td>{loss(run.trainLoss)}</td>
      <td>{loss(run.valLoss)}</td>
      <td>{duration(run.trainingMs)}</td>
      <td>{size(run.bytes)}</td>
      <td>
        <div className="run-actions">
          {p.confirming ? (
            <>
              <span>Delete {run.name}?</span>{' '}
              <button type="button" onClick={() => (p.onConfirm(false), void lab.deleteRun(run.id))}>
                Delete
              </button>{' '}
              <button type="button" onClick={() => p.onConfirm(false)}>
                Keep
              </button>
            </>
          ) : (
            <>
              <button type="button" disabled={p.inUse || p.busy} onClick={() => void lab.openRun(run.id)}>
                Open
              </button>{' '}
              <button
                type="button"
                disabled={p.busy}
                title="A new run with fresh weights from these settings: change one next"
                onClick={() => void lab.duplicateRun(run.id)}
              >
                Duplicate
              </button>{' '}
              <button
                type="button"
                title="Download this run as one file: settings, curves, weights and optimizer state"
                onClick={() => void lab.exportRun(run.id)}
              >
                Export
              </button>{' '}
              <button type="button" disabled={p.inUse} title={p.inUse ? 'The run in use cannot be deleted' : undefined} onClick={() => p.onConfirm(true)}>
                Delete
              </button>
            </>
          )}
        </div>
      </td>
    </tr>
  );
}
