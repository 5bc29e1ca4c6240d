// Training loss per step (bucket means once there are more steps than pixels), validation loss as
// points, and the dataset's trivial baseline as a dashed line. Log scale on request. Stored runs shown
// in the run list are drawn beside the live one, each in its colour and labelled by what changed; the
// x axis counts steps or seconds of training.

import { useMemo, useState, useSyncExternalStore } from 'react';
import type uPlot from 'uplot';
import { lab } from '../lab/pageLab.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { downsample } from '../metrics/downsample.ts';
import type { Overlay } from '../runs/overlays.ts';
import { runColour } from '../runs/colours.ts';
import { useStore } from '../store/index.ts';
import { alignWithPoints } from './align.ts';
import { OVERLAY_POINTS, onAxis, withOverlays, xLabel, type ChartX } from './overlay.ts';
import { axis, COLORS, fmt, lineSeries, stepChart, stepSeries, tick } from './theme.ts';
import { UPlotChart, type ChartSpec } from './UPlotChart.tsx';

/** Points drawn at most: about one per two pixels of a wide chart. */
const MAX_POINTS = 600;

/** The overlays' version, for React: the charts rebuild their series when the shown runs change. */
export const useOverlays = (): Overlay[] => {
  useSyncExternalStore(
    (f) => lab.overlays.changed.subscribe(f),
    () => lab.overlays.version,
  );
  return lab.overlays.list;
};

export function LossChart() {
  const [log, setLog] = useState(false);
  const baseline = useStore((s) => s.model?.baseline ?? null);
  const o = usePageOverlays();
  const x = o.x;
  const spec = useMemo(() => lossSpec(lab.metrics, log, baseline, o), [log, baseline, o]);
  return (
    <section className="panel chart-panel wide" aria-labelledby="loss-title">
      <header className="panel-head">
        <h2 id="loss-title">Loss</h2>
        <label className="toggle">
          x{' '}
          <select value={x} onChange={(e) => useStore.setState({ chartX: e.target.value as ChartX })} aria-label="The charts’ x axis">
            <option value="step">step</option>
            <option value="time">training time</option>
          </select>
        </label>
        <label className="toggle">
          <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} /> log scale
        </label>
      </header>
      <UPlotChart empty="The loss appears here once training starts." spec={spec} height={240} label="Training and validation loss per step" />
    </section>
  );
}

export interface OverlayOptions {
  overlays: Overlay[];
  x: ChartX;
  /** The live run's name in the legend when others are drawn (else "train"). */
  own: string | null;
  /** The live run's colour when others are drawn (its run colour; else the charts' own colours). */
  ownColour?: string | null;
}

/** The overlay options of the page's charts: the shown runs, the x axis, the run in use's name and colour. */
export function usePageOverlays(): OverlayOptions {
  const overlays = useOverlays();
  const x = useStore((s) => s.chartX);
  const runName = useStore((s) => s.run?.name ?? null);
  const colour = useStore((s) => runColour(s.runs, s.run?.id));
  // Without other runs the name and colour of the run in use do not show: a new save or name must not rebuild the charts.
  const own = overlays.length > 0 && runName ? `${runName} (in use)` : null;
  const ownColour = overlays.length > 0 ? colour : null;
  return useMemo(() => ({ overlays, x, own, ownColour }), [overlays, x, own, ownColour]);
}

/** The loss chart of a session's metrics (the app's, or a notebook cell's), with stored runs beside it. */
export function lossSpec(metrics: Metrics, log: boolean, baseline: number | null, o: OverlayOptions = { overlays: [], x: 'step', own: null }): ChartSpec {
  const validationSeries = (label: string, colour: string): uPlot.Series => ({
    label,
    stroke: colour,
    width: 2,
    spanGaps: true,
    points: { show: true, size: 6, fill: colour },
    value: (_u, v) => fmt(v, 4),
  });
  const series: uPlot.Series[] = [
    stepSeries(xLabel(o.x)),
    lineSeries(o.own ?? 'train', o.ownColour ?? COLORS.train, { value: (_u, v) => fmt(v, 4) }),
    validationSeries(o.own ? `${o.own}, validation` : 'validation', o.ownColour ?? COLORS.validation),
  ];
  if (baseline !== null)
    series.push({ label: 'baseline', stroke: COLORS.baseline, width: 1, dash: [6, 4], spanGaps: true, points: { show: false }, value: () => fmt(baseline, 4) });
  for (const r of o.overlays)
    series.push(lineSeries(r.label, r.colour, { value: (_u, v) => fmt(v, 4) }), {
      ...validationSeries(`${r.label}, validation`, r.colour),
      width: 1,
      dash: [2, 3],
    });
  const table = (loss: Downsampled, validation: { step: number; loss: number }[]) =>
    alignWithPoints(
      loss,
      validation.map((p) => ({ x: p.step, y: p.loss })),
    );
  // The stored runs' curves, made once (downsampled to fewer points than the live one's).
  const join = withOverlays(() =>
    o.overlays.map((r) => {
      const [rx, rt, rv] = table(downsample(r.loss, OVERLAY_POINTS), r.validation);
      return onAxis([rx, positive(rt, log), positive(rv, log)], o.x, r.msPerStep);
    }),
  );
  return {
    signals: [metrics.series],
    options: (width, height) =>
      stepChart(width, height, {
        series,
        scales: { y: log ? { distr: 3 } : {} },
        axes: [axis({ label: xLabel(o.x) }), axis({ size: 52, values: (_u, ticks) => ticks.map(tick) })],
        legend: { live: true },
      }),
    data: () => {
      const [x, train, validation] = table(downsample(metrics.loss, MAX_POINTS), metrics.validation);
      const own: uPlot.AlignedData = [x, positive(train, log), positive(validation, log)];
      if (baseline !== null) (own as unknown[]).push(x.map(() => baseline));
      return join(onAxis(own, o.x, metrics.msPerStep));
    },
  };
}

type Downsampled = ReturnType<typeof downsample>;

/** A log scale cannot show zero or negative values: they become gaps. */
function positive(ys: (number | null)[], log: boolean): (number | null)[] {
  return log ? ys.map((y) => (y !== null && y > 0 ? y : null)) : ys;
}
