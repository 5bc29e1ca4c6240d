// The loss curve on a canvas, drawn outside React's render cycle: the chart subscribes to the
// LossSeries and redraws at most once per animation frame, however many windows arrived.
// Each pixel column shows the range (band) and mean (line) of the steps that fall in it,
// so the cost of a frame depends on the canvas width, not on the length of the run.

import type { LossSeries } from './lossSeries.ts';

const PAD = { left: 52, right: 12, top: 12, bottom: 26 };
const COLORS = { axis: '#94a3b8', label: '#475569', band: 'rgba(37, 99, 235, 0.18)', line: '#2563eb' };

export function attachLossChart(canvas: HTMLCanvasElement, series: LossSeries): () => void {
  let frame = 0;
  const request = () => {
    if (!frame) frame = requestAnimationFrame(() => {
      frame = 0;
      drawLossChart(canvas, series.values);
    });
  };
  const unsubscribe = series.subscribe(request);
  const resize = new ResizeObserver(request);
  resize.observe(canvas);
  request();
  return () => {
    unsubscribe();
    resize.disconnect();
    cancelAnimationFrame(frame);
  };
}

export function drawLossChart(canvas: HTMLCanvasElement, values: readonly number[]): void {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, width, height);
  g.font = '12px system-ui, sans-serif';

  const plotW = Math.max(1, width - PAD.left - PAD.right);
  const plotH = Math.max(1, height - PAD.top - PAD.bottom);
  const columns = columnStats(values, Math.floor(plotW));
  const range = valueRange(columns);

  g.strokeStyle = COLORS.axis;
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(PAD.left + 0.5, PAD.top);
  g.lineTo(PAD.left + 0.5, PAD.top + plotH + 0.5);
  g.lineTo(PAD.left + plotW, PAD.top + plotH + 0.5);
  g.stroke();

  g.fillStyle = COLORS.label;
  if (!range) {
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText('The loss curve appears once training starts.', PAD.left + plotW / 2, PAD.top + plotH / 2);
    return;
  }
  const y = (v: number) => PAD.top + ((range.max - v) / (range.max - range.min)) * plotH;
  g.textAlign = 'right';
  g.textBaseline = 'top';
  g.fillText(range.max.toFixed(2), PAD.left - 6, PAD.top);
  g.textBaseline = 'bottom';
  g.fillText(range.min.toFixed(2), PAD.left - 6, PAD.top + plotH);
  g.textBaseline = 'top';
  g.textAlign = 'left';
  g.fillText('step 0', PAD.left, PAD.top + plotH + 6);
  g.textAlign = 'right';
  g.fillText(`step ${values.length - 1}`, PAD.left + plotW, PAD.top + plotH + 6);

  g.fillStyle = COLORS.band;
  for (const c of columns) if (c.stats) g.fillRect(PAD.left + c.x - 0.5, y(c.stats.max), 1, Math.max(1, y(c.stats.min) - y(c.stats.max)));
  g.strokeStyle = COLORS.line;
  g.lineWidth = 1.5;
  g.beginPath();
  let drawing = false;
  for (const { x, stats } of columns) {
    if (!stats) {
      drawing = false; // a gap (a dropped readback) breaks the line
      continue;
    }
    if (drawing) g.lineTo(PAD.left + x, y(stats.mean));
    else g.moveTo(PAD.left + x, y(stats.mean));
    drawing = true;
  }
  g.stroke();
}

interface Column {
  /** Horizontal position within the plot, in CSS pixels. */
  x: number;
  /** Min, max and mean of the finite losses in this column; null where there are none. */
  stats: { min: number; max: number; mean: number } | null;
}

/** One column per step while steps are fewer than pixels, then one per pixel. */
function columnStats(values: readonly number[], width: number): Column[] {
  const n = values.length;
  const count = Math.min(n, width);
  const out: Column[] = [];
  for (let c = 0; c < count; c++) {
    const from = Math.floor((c * n) / count);
    const to = Math.floor(((c + 1) * n) / count);
    let min = Infinity, max = -Infinity, sum = 0, k = 0;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      k++;
    }
    const x = n <= width ? (n > 1 ? (c * width) / (n - 1) : 0) : c + 0.5;
    out.push({ x, stats: k ? { min, max, mean: sum / k } : null });
  }
  return out;
}

function valueRange(columns: Column[]): { min: number; max: number } | null {
  let min = Infinity, max = -Infinity;
  for (const { stats } of columns) {
    if (!stats) continue;
    min = Math.min(min, stats.min);
    max = Math.max(max, stats.max);
  }
  if (min > max) return null;
  if (max - min < 1e-6) return { min: min - 0.5, max: max + 0.5 };
  const pad = (max - min) * 0.04;
  return { min: min - pad, max: max + pad };
}
