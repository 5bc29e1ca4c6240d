// Hosts one uPlot chart. React mounts the container; the chart itself lives outside React: it is
// built in an effect, pulls fresh data at most once per animation frame after its signals fired,
// and follows the container's width (only when the width really changed).

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { onFrame, type Signal } from '../metrics/signal.ts';

export interface ChartSpec {
  /** Options for a chart of this width (uPlot wants a width up front). */
  options(width: number, height: number): uPlot.Options;
  /** The data as it is now; called at most once per frame. */
  data(): uPlot.AlignedData;
  signals: Signal[];
}

export function UPlotChart({ spec, height, label, empty }: { spec: ChartSpec; height: number; label: string; empty: string }) {
  const host = useRef<HTMLDivElement>(null);
  const placeholder = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let width = Math.max(200, Math.floor(el.clientWidth));
    // An empty chart shows its placeholder, not axes with ticks for data that is not there.
    const showEmpty = (data: uPlot.AlignedData) => {
      const empty = data[0].length === 0;
      placeholder.current!.hidden = !empty;
      el.classList.toggle('is-empty', empty);
    };
    const initial = spec.data();
    const chart = new uPlot(spec.options(width, height), initial, el);
    showEmpty(initial);
    const stop = onFrame(spec.signals, () => {
      const data = spec.data();
      chart.setData(data);
      showEmpty(data);
    });
    const resize = new ResizeObserver(() => {
      const w = Math.max(200, Math.floor(el.clientWidth));
      if (w !== width) chart.setSize({ width: (width = w), height });
    });
    resize.observe(el);
    return () => {
      stop();
      resize.disconnect();
      chart.destroy();
    };
  }, [spec, height]);
  return (
    <div className="chart-box">
      <div ref={host} className="uplot-host" role="img" aria-label={label} />
      <p ref={placeholder} className="chart-empty" style={{ height }}>
        {empty}
      </p>
    </div>
  );
}
