// Draws one heatmap channel: units as rows, time steps as columns, coloured around 0 by the
// channel's largest magnitude, with unit numbers on the left and the step labels underneath.
// The cells are written once into a T × units image and scaled up without smoothing.

import type { HeatmapChannel } from '../../gpu/session/protocol.ts';
import { putColor } from './colormap.ts';
import { layout, type Layout } from './layout.ts';

let scratch: HTMLCanvasElement | null = null;

export function maxAbs(values: Float32Array): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m || 1;
}

/** Sizes the canvas to its CSS box (× devicePixelRatio); returns the context and the CSS size. */
export function fit(canvas: HTMLCanvasElement): { g: CanvasRenderingContext2D; width: number; height: number } {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const g = canvas.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, width, height);
  return { g, width, height };
}

/** An empty heatmap: a message in the middle. */
export function drawPlaceholder(canvas: HTMLCanvasElement, message: string): void {
  const { g, width, height } = fit(canvas);
  g.fillStyle = '#5b6578';
  g.font = '13px system-ui, sans-serif';
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillText(message, width / 2, height / 2, width - 24);
}

/**
 * Sizes the canvas to its CSS box (× devicePixelRatio) and draws; returns the layout for hit-testing.
 * `split`: a line above this row (a bidirectional model's first reverse unit).
 */
export function drawHeatmap(canvas: HTMLCanvasElement, channel: HeatmapChannel, T: number, labels: string[], scale: number, split?: number): Layout {
  const { g, width, height } = fit(canvas);
  const units = channel.units;
  const l = layout(width, height, T, units);

  // Cells: row = unit, column = step; values are row-major [T, units].
  scratch ??= document.createElement('canvas');
  if (scratch.width !== T || scratch.height !== units) {
    scratch.width = T;
    scratch.height = units;
  }
  const sg = scratch.getContext('2d')!;
  const image = sg.createImageData(T, units);
  for (let t = 0; t < T; t++) for (let u = 0; u < units; u++) putColor(image.data, (u * T + t) * 4, channel.values[t * units + u], scale);
  sg.putImageData(image, 0, 0);
  g.imageSmoothingEnabled = false;
  g.drawImage(scratch, l.plot.x, l.plot.y, l.plot.w, l.plot.h);
  if (split !== undefined && split > 0 && split < units) {
    const y = Math.round(l.plot.y + split * l.cellH) + 0.5;
    g.strokeStyle = '#0f172a';
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(l.plot.x - 4, y);
    g.lineTo(l.plot.x + l.plot.w, y);
    g.stroke();
  }

  g.fillStyle = '#475569';
  g.font = '11px system-ui, sans-serif';
  drawUnitTicks(g, l, units);
  drawStepLabels(g, l, T, labels);
  return l;
}

function drawUnitTicks(g: CanvasRenderingContext2D, l: Layout, units: number): void {
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  const every = Math.max(1, Math.ceil(14 / l.cellH));
  const step = niceStep(every);
  for (let u = 0; u < units; u += step) g.fillText(String(u), l.plot.x - 6, l.plot.y + (u + 0.5) * l.cellH);
}

/** Labels under the columns; when they would overlap, every k-th one. */
function drawStepLabels(g: CanvasRenderingContext2D, l: Layout, T: number, labels: string[]): void {
  const shown = Array.from({ length: T }, (_, t) => display(labels[t] ?? String(t)));
  const mono = shown.every((s) => s.length <= 1);
  g.font = mono ? '12px ui-monospace, SFMono-Regular, Menlo, monospace' : '11px system-ui, sans-serif';
  const widest = Math.max(6, ...shown.map((s) => g.measureText(s).width));
  const every = Math.max(1, Math.ceil((widest + 4) / l.cellW));
  g.textAlign = 'center';
  g.textBaseline = 'top';
  const y = l.plot.y + l.plot.h + 6;
  for (let t = 0; t < T; t += every) g.fillText(shown[t], l.plot.x + (t + 0.5) * l.cellW, y);
}

/** Whitespace made visible, long labels shortened. */
export function display(label: string): string {
  if (label === ' ') return '␣';
  if (label === '\n') return '↵';
  if (label === '\t') return '⇥';
  return label.length > 10 ? `${label.slice(0, 9)}…` : label;
}

function niceStep(n: number): number {
  for (const s of [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100]) if (s >= n) return s;
  return n;
}
