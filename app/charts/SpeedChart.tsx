// Throughput: tokens per second (tree nodes per second for a tree model; left axis) and milliseconds
// per step (right axis). Stored runs shown in the run list add their milliseconds per step, each in
// its colour.

import { useMemo } from 'react';
import type uPlot from 'uplot';
import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';
import { downsample } from '../metrics/downsample.ts';
import { usePageOverlays, type OverlayOptions } from './LossChart.tsx';
import { onAxis, overlayLines, xLabel } from './overlay.ts';
import { axis, COLORS, lineSeries, stepChart, stepSeries, tick } from './theme.ts';
import { UPlotChart, type ChartSpec } from './UPlotChart.tsx';

const { metrics } = lab;

const speedSpec = (unit: string, o: OverlayOptions): ChartSpec => {
  const join = overlayLines(o, (r) => r.msPerStep);
  return {
    signals: [metrics.series],
    options: (width, height) =>
      stepChart(width, height, {
        series: [
          stepSeries(xLabel(o.x)),
          lineSeries(unit, COLORS.tokens, { scale: 'tok' }),
          lineSeries(o.own ? `${o.own}, ms/step` : 'ms/step', o.ownColour ?? COLORS.ms, { scale: 'ms' }),
          ...o.overlays.map((r) => lineSeries(`${r.label}, ms/step`, r.colour, { scale: 'ms' })),
        ],
        scales: {
          tok: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
          ms: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          axis({ label: xLabel(o.x) }),
          axis({ scale: 'tok', size: 52, stroke: COLORS.tokens, values: (_u, ticks) => ticks.map(tick) }),
          axis({ scale: 'ms', side: 1, size: 50, stroke: COLORS.ms, grid: { show: false }, values: (_u, ticks) => ticks.map(tick) }),
        ],
      }),
    data: () => {
      const tok = downsample(metrics.tokensPerSec, 300);
      const ms = downsample(metrics.msPerStep, 300);
      const own: uPlot.AlignedData = [tok.x, tok.y, ms.y];
      return join(onAxis(own, o.x, metrics.msPerStep));
    },
  };
};

export function SpeedChart() {
  const tree = useStore((s) => s.treeModel !== null);
  const o = usePageOverlays();
  const spec = useMemo(() => speedSpec(tree ? 'nodes/s' : 'tokens/s', o), [tree, o]);
  return (
    <section className="panel chart-panel" aria-labelledby="speed-title">
      <header className="panel-head">
        <h2 id="speed-title">Speed</h2>
      </header>
      <UPlotChart
        empty={`${tree ? 'Nodes' : 'Tokens'} per second and milliseconds per step appear here.`}
        spec={spec}
        height={180}
        label={`${tree ? 'Nodes' : 'Tokens'} per second and milliseconds per step`}
      />
    </section>
  );
}
