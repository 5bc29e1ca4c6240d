// Draws an alignment matrix: one row per output step, one column per source step, each cell the
// attention weight (0 white, 1 dark red: the heatmap's colour map over [0, 1], the same scale at every
// validation so two pictures compare), the source symbols under the columns, the output symbols left
// of the rows (red where the output differs from the target) and the target beside them.

import { putColor } from '../heatmap/colormap.ts';
import { fit } from '../heatmap/drawHeatmap.ts';
import { alignmentLayout, rightAt, symbolLabel, type AlignmentLayout } from './alignment.ts';
import type { AlignmentMessage } from './seq2seqFeed.ts';

const TEXT = '#475569';
const WRONG = '#d73027';
/** A row with no output step (the model stopped before the target did): slate-100. */
const NO_ROW = [241, 245, 249, 255];
const MONO = 'ui-monospace, SFMono-Regular, Menlo, monospace';

let scratch: HTMLCanvasElement | null = null;

/** The rows drawn: every output step, and target steps the output fell short of. */
export const alignmentRows = (m: Pick<AlignmentMessage, 'output' | 'target'>): number => Math.max(m.output.length, m.target.length);

/** Sizes the canvas to the matrix (its CSS height follows the rows) and draws; returns the layout for hit-testing. */
export function drawAlignment(canvas: HTMLCanvasElement, m: AlignmentMessage & { weights: Float32Array }): AlignmentLayout {
  const rows = alignmentRows(m);
  const cols = m.source.length;
  const l0 = alignmentLayout(canvas.clientWidth, rows, cols);
  const h = `${l0.height}px`;
  if (canvas.style.height !== h) canvas.style.height = h;
  const { g, width } = fit(canvas);
  const l = alignmentLayout(width, rows, cols);

  // Cells: the weights are row-major [output, source]; rows past the output are blank.
  scratch ??= document.createElement('canvas');
  if (scratch.width !== cols || scratch.height !== rows) {
    scratch.width = Math.max(1, cols);
    scratch.height = Math.max(1, rows);
  }
  const sg = scratch.getContext('2d')!;
  const image = sg.createImageData(Math.max(1, cols), Math.max(1, rows));
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const o = (r * cols + c) * 4;
      if (r < m.output.length) putColor(image.data, o, m.weights[r * cols + c], 1);
      else image.data.set(NO_ROW, o);
    }
  sg.putImageData(image, 0, 0);
  g.imageSmoothingEnabled = false;
  g.drawImage(scratch, l.plot.x, l.plot.y, l.plot.w, l.plot.h);

  // Thin white lines between the cells, so each symbol's square reads as one.
  g.strokeStyle = 'rgba(255, 255, 255, 0.8)';
  g.lineWidth = 1;
  g.beginPath();
  for (let c = 1; c < cols; c++) {
    const x = Math.round(l.plot.x + c * l.cell) + 0.5;
    g.moveTo(x, l.plot.y);
    g.lineTo(x, l.plot.y + l.plot.h);
  }
  for (let r = 1; r < rows; r++) {
    const y = Math.round(l.plot.y + r * l.cell) + 0.5;
    g.moveTo(l.plot.x, y);
    g.lineTo(l.plot.x + l.plot.w, y);
  }
  g.stroke();
  g.strokeStyle = '#cbd5e1';
  g.strokeRect(l.plot.x - 0.5, l.plot.y - 0.5, l.plot.w + 1, l.plot.h + 1);

  const font = (px: number, label: string) => (label.length === 1 ? `${px}px ${MONO}` : `${Math.max(9, px - 2)}px system-ui, sans-serif`);
  const size = Math.max(9, Math.min(13, l.cell - 4));
  g.textBaseline = 'middle';
  // Output symbols left of the rows, red where they differ from the target; the target beside the matrix.
  for (let r = 0; r < rows; r++) {
    const y = l.plot.y + (r + 0.5) * l.cell;
    const out = r < m.output.length ? symbolLabel(m.output[r]) : '–';
    g.fillStyle = r < m.output.length && !rightAt(m, r) ? WRONG : TEXT;
    g.font = font(size, out);
    g.textAlign = 'right';
    g.fillText(out, l.plot.x - 6, y);
    if (r < m.target.length) {
      const t = symbolLabel(m.target[r]);
      g.fillStyle = TEXT;
      g.font = font(size, t);
      g.textAlign = 'center';
      g.fillText(t, l.targetX, y);
    }
  }
  // Source symbols under the columns.
  g.textAlign = 'center';
  g.textBaseline = 'top';
  g.fillStyle = TEXT;
  for (let c = 0; c < cols; c++) {
    const s = symbolLabel(m.source[c]);
    g.font = font(size, s);
    g.fillText(s, l.plot.x + (c + 0.5) * l.cell, l.plot.y + l.plot.h + 5, l.cell);
  }
  // Axis titles.
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#5b6578';
  g.textBaseline = 'alphabetic';
  g.textAlign = 'left';
  g.fillText('source →', l.plot.x, l.plot.y + l.plot.h + 34);
  g.textAlign = 'left';
  g.fillText('output ↓', 2, l.plot.y - 8);
  g.textAlign = 'center';
  g.fillText('target', l.targetX, l.plot.y - 8);
  return l;
}
