// Sweeps on the page: pick one or two settings and their values (a grid) or a range (random search),
// the steps each run trains and the seed policy; the runs train one after another in the worker, each
// kept in the run list. Then a results table (sortable by validation loss) and a parallel-coordinates
// chart from the swept settings to the validation loss. Pause, resume and a reload all go on where the
// sweep was (pageLab.ts drives it; runs/sweep.ts plans it).

import { useState } from 'react';
import { lab } from '../lab/pageLab.ts';
import type { RunInfo } from '../persist/runStore.ts';
import { useStore } from '../store/index.ts';
import { runColour } from './colours.ts';
import { newRunId } from '../persist/runStore.ts';
import { parseAxis, SWEEP_FIELDS, SWEEP_LABELS, SWEEP_LIMITS, sweepPoints, type SweepAxis, type SweepField, type SweepState } from './sweep.ts';

export function SweepPanel() {
  const sweep = useStore((s) => s.sweep);
  const runs = useStore((s) => s.runs);
  return (
    <section className="panel sweep wide" aria-labelledby="sweep-title" data-testid="sweep-panel">
      <header className="panel-head">
        <h2 id="sweep-title">Sweep</h2>
      </header>
      {!sweep || sweep.status === 'done' ? <SweepForm /> : null}
      {sweep && <SweepProgress sweep={sweep} />}
      {sweep && <SweepResults sweep={sweep} runs={runs} />}
    </section>
  );
}

function SweepForm() {
  const applied = useStore((s) => s.applied);
  const busy = useStore((s) => s.phase !== 'idle' && s.phase !== 'paused');
  const [a, setA] = useState<SweepField>('lr');
  const [aValues, setAValues] = useState('0.001, 0.003, 0.01');
  const [b, setB] = useState<SweepField | ''>('');
  const [bValues, setBValues] = useState('');
  const [steps, setSteps] = useState('200');
  const [samples, setSamples] = useState('8');
  const [eachSeed, setEachSeed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const start = () => {
    if (!applied) return setError('Apply the settings first: a sweep starts from them.');
    const axes: SweepAxis[] = [];
    for (const [field, text] of [[a, aValues], ...(b ? [[b, bValues]] : [])] as [SweepField, string][]) {
      const axis = parseAxis(field, text);
      if ('error' in axis) return setError(axis.error);
      axes.push(axis);
    }
    if (b && b === a) return setError('Pick two different settings, or one.');
    const n = Number(steps);
    if (!Number.isInteger(n) || n < 1 || n > SWEEP_LIMITS.steps)
      return setError(`Steps per run must be a whole number from 1 to ${SWEEP_LIMITS.steps.toLocaleString('en-US')}.`);
    const k = Number(samples);
    const random = axes.some((x) => !('values' in x));
    if (random && (!Number.isInteger(k) || k < 1 || k > SWEEP_LIMITS.runs)) return setError(`Runs must be a whole number from 1 to ${SWEEP_LIMITS.runs}.`);
    const plan = { id: newRunId(), base: applied, axes, samples: k, steps: n, seeds: eachSeed ? ('each' as const) : ('same' as const) };
    const count = sweepPoints(plan).length;
    if (count > SWEEP_LIMITS.runs) return setError(`That is ${count} runs; a sweep has at most ${SWEEP_LIMITS.runs}.`);
    setError(null);
    lab.startSweep(plan);
  };
  const fieldSelect = (value: string, onChange: (v: string) => void, label: string, none: boolean) => (
    <select value={value} onChange={(e) => onChange(e.target.value)} aria-label={label}>
      {none && <option value="">—</option>}
      {SWEEP_FIELDS.map((f) => (
        <option key={f} value={f}>
          {SWEEP_LABELS[f]}
        </option>
      ))}
    </select>
  );
  return (
    <div className="sweep-form">
      <p className="muted">
        From the settings in use, one run per value (a grid: “0.001, 0.003, 0.01”) or random points of a range (“0.0001..0.1”), each kept in the run list.
      </p>
      <div className="row">
        {fieldSelect(a, (v) => setA(v as SweepField), 'First setting', false)}
        <input aria-label="First setting’s values" value={aValues} onChange={(e) => setAValues(e.target.value)} />
      </div>
      <div className="row">
        {fieldSelect(b, (v) => setB(v as SweepField | ''), 'Second setting', true)}
        <input aria-label="Second setting’s values" value={bValues} disabled={!b} onChange={(e) => setBValues(e.target.value)} />
      </div>
      <div className="row">
        <label>
          Steps per run <input aria-label="Steps per run" value={steps} onChange={(e) => setSteps(e.target.value)} size={6} />
        </label>
        <label>
          Runs (random) <input aria-label="Runs of a random search" value={samples} onChange={(e) => setSamples(e.target.value)} size={4} />
        </label>
        <label>
          <input type="checkbox" checked={eachSeed} onChange={(e) => setEachSeed(e.target.checked)} /> a new seed for each run
        </label>
      </div>
      {error && (
        <p className="field-error" role="alert" data-testid="sweep-error">
          {error}
        </p>
      )}
      <button type="button" className="primary" disabled={busy} onClick={start}>
        Start sweep
      </button>
    </div>
  );
}

function SweepProgress({ sweep }: { sweep: SweepState }) {
  const total = sweep.points.length;
  const text =
    sweep.status === 'done'
      ? `Done: ${total} runs of ${sweep.plan.steps.toLocaleString('en-US')} steps.`
      : `Run ${Math.min(sweep.next + 1, total)} of ${total} (${sweep.plan.steps.toLocaleString('en-US')} steps each)${sweep.status === 'paused' ? ', paused' : ''}.`;
  return (
    <div className="sweep-progress">
      <span data-testid="sweep-status">{text}</span>{' '}
      {sweep.status === 'running' && (
        <button type="button" onClick={() => lab.pauseSweep()}>
          Pause sweep
        </button>
      )}
      {sweep.status === 'paused' && (
        <button type="button" onClick={() => lab.resumeSweep()}>
          Resume sweep
        </button>
      )}{' '}
      <button type="button" onClick={() => lab.endSweep()}>
        {sweep.status === 'done' ? 'Clear' : 'End sweep'}
      </button>
    </div>
  );
}

interface Row {
  k: number;
  values: number[];
  run: RunInfo | null;
}

function SweepResults({ sweep, runs }: { sweep: SweepState; runs: RunInfo[] }) {
  const [byLoss, setByLoss] = useState(true);
  const fields = sweep.plan.axes.map((x) => x.field);
  const rows: Row[] = sweep.points.map((p, k) => ({ k, values: fields.map((f) => p[f]), run: runs.find((r) => r.id === sweep.runIds[k]) ?? null }));
  const val = (r: Row) => r.run?.valLoss ?? null;
  const sorted = byLoss ? [...rows].sort((x, y) => (val(x) ?? Infinity) - (val(y) ?? Infinity) || x.k - y.k) : rows;
  return (
    <>
      <div className="table-scroll">
        <table className="run-table" data-testid="sweep-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              {fields.map((f) => (
                <th key={f} scope="col">
                  {SWEEP_LABELS[f]}
                </th>
              ))}
              <th scope="col">Steps</th>
              <th scope="col">Train loss</th>
              <th scope="col" aria-sort={byLoss ? 'ascending' : 'none'}>
                <button type="button" className="link" onClick={() => setByLoss(!byLoss)} title="Sort by validation loss, or by run order">
                  Val. loss {byLoss ? '▲' : ''}
                </button>
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((r) => (
              <tr key={r.k} data-testid="sweep-row">
                <td>{r.k + 1}</td>
                {r.values.map((v, i) => (
                  <td key={i}>{v}</td>
                ))}
                <td>{r.run ? r.run.steps.toLocaleString('en-US') : '–'}</td>
                <td>{r.run?.trainLoss?.toFixed(3) ?? '–'}</td>
                <td>{val(r)?.toFixed(3) ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ParallelCoordinates fields={fields} rows={rows} runs={runs} />
    </>
  );
}

/**
 * One vertical axis per swept setting and one for the validation loss, each from its smallest to its
 * largest value (both printed: the scale is linear between them), a line per finished run in its colour.
 */
function ParallelCoordinates({ fields, rows, runs }: { fields: SweepField[]; rows: Row[]; runs: RunInfo[] }) {
  const done = rows.filter((r) => r.run && r.run.valLoss !== null && Number.isFinite(r.run.valLoss));
  const columns = [
    ...fields.map((f, i) => ({ label: SWEEP_LABELS[f], values: rows.map((r) => r.values[i]) })),
    { label: 'val. loss', values: done.map((r) => r.run!.valLoss!) },
  ];
  const [W, H, top, bottom, side] = [560, 220, 24, 36, 60];
  const x = (i: number) => side + (i * (W - 2 * side)) / Math.max(1, columns.length - 1);
  const range = (vs: number[]) => (vs.length ? [Math.min(...vs), Math.max(...vs)] : [0, 1]);
  const ranges = columns.map((c) => range(c.values));
  const y = (i: number, v: number) => {
    const [lo, hi] = ranges[i];
    return hi === lo ? (top + H - bottom) / 2 + top / 2 : H - bottom - ((v - lo) / (hi - lo)) * (H - bottom - top);
  };
  const fmt = (v: number) => (Math.abs(v) >= 1000 || Number.isInteger(v) ? String(v) : v.toPrecision(3));
  return (
    <figure className="parallel">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        role="img"
        aria-label={`Parallel coordinates: ${columns.map((c) => c.label).join(', ')}; ${done.length} finished runs`}
        data-testid="sweep-parallel"
      >
        {columns.map((c, i) => (
          <g key={c.label}>
            <line x1={x(i)} x2={x(i)} y1={top} y2={H - bottom} stroke="#94a3b8" />
            <text x={x(i)} y={H - bottom + 14} textAnchor="middle" fontSize="11">
              {c.label}
            </text>
            <text x={x(i) + 4} y={top + 4} fontSize="10" fill="#475569">
              {fmt(ranges[i][1])}
            </text>
            <text x={x(i) + 4} y={H - bottom} fontSize="10" fill="#475569">
              {fmt(ranges[i][0])}
            </text>
          </g>
        ))}
        {done.map((r) => (
          <polyline
            key={r.k}
            data-testid="sweep-line"
            fill="none"
            strokeWidth={2}
            stroke={runColour(runs, r.run!.id) ?? '#334155'}
            points={[...r.values, r.run!.valLoss!].map((v, i) => `${x(i)},${y(i, v)}`).join(' ')}
          />
        ))}
      </svg>
      <figcaption className="muted">Each line is a finished run: its settings on the left, its last validation loss on the right.</figcaption>
    </figure>
  );
}
