// Training loss per step (bucket means once there are more steps than pixels), validation loss as
// points, and the dataset's trivial baseline as a dashed line. Log scale on request.

import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { lab } from '../lab/pageLab.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { downsample } from '../metrics/downsample.ts';
import { useStore } from '../store/index.ts';
import { alignWithPoints } from './align.ts';
import { axis, COLORS, fmt, lineSeries, stepChart, stepSeries, tick } from './theme.ts';
import { UPlotChart, type ChartSpec } from './UPlotChart.tsx';

/** Points drawn at most: about one per two pixels of a wide chart. */
const MAX_POINTS = 600;

export function LossChart() {
  const [log, setLog] = useState(false);
  const baseline = useStore((s) => s.model?.baseline ?? null);
  const spec = useMemo(() => lossSpec(lab.metrics, log, baseline), [log, baseline]);
  return (
    <section className="panel chart-panel wide" aria-labelledby="loss-title">
      <header className="panel-head">
        <h2 id="loss-title">Loss</h2>
        <label className="toggle">
          <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} /> log scale
        </label>
      </header>
      <UPlotChart empty="The loss appears here once training starts." spec={spec} height={240} label="Training and validation loss per step" />
    </section>
  );
}

/** The loss chart of a session's metrics (the app's, or a notebook cell's). */
export function lossSpec(metrics: Metrics, log: boolean, baseline: number | null): ChartSpec {
  const series: uPlot.Series[] = [
    stepSeries(),
    lineSeries('train', COLORS.train, { value: (_u, v) => fmt(v, 4) }),
    {
      label: 'validation',
      stroke: COLORS.validation,
      width: 2,
      spanGaps: true,
      points: { show: true, size: 6, fill: COLORS.validation },
      value: (_u, v) => fmt(v, 4),
    },
  ];
  if (baseline !== null)
    series.push({ label: 'baseline', stroke: COLORS.baseline, width: 1, dash: [6, 4], points: { show: false }, value: () => fmt(baseline, 4) });
  return {
    signals: [metrics.series],
    options: (width, height) =>
      stepChart(width, height, {
        series,
        scales: { y: log ? { distr: 3 } : {} },
        axes: [axis({ label: 'step' }), axis({ size: 52, values: (_u, ticks) => ticks.map(tick) })],
        legend: { live: true },
      }),
    data: () => {
      const [x, train, validation] = alignWithPoints(
        downsample(metrics.loss, MAX_POINTS),
        metrics.validation.map((p) => ({ x: p.step, y: p.loss })),
      );
      const data: uPlot.AlignedData = [x, positive(train, log), positive(validation, log)];
      if (baseline !== null) data.push(x.map(() => baseline));
      return data;
    },
  };
}

/** A log scale cannot show zero or negative values: they become gaps. */
function positive(ys: (number | null)[], log: boolean): (number | null)[] {
  return log ? ys.map((y) => (y !== null && y > 0 ? y : null)) : ys;
}
