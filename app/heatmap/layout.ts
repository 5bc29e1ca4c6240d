// Where the heatmap's cells and labels go on the canvas, shared by drawing and hit-testing.

export const MARGIN = { left: 40, right: 8, top: 6, bottom: 30 };

export interface Layout {
  width: number;
  height: number;
  plot: { x: number; y: number; w: number; h: number };
  cellW: number;
  cellH: number;
}

/** Rows get at least 2 px and at most 10 px; the canvas height follows the number of units. */
export function canvasHeight(units: number): number {
  const rows = Math.min(320, Math.max(120, units * 3));
  return Math.round(rows + MARGIN.top + MARGIN.bottom);
}

export function layout(width: number, height: number, T: number, units: number): Layout {
  const w = Math.max(1, width - MARGIN.left - MARGIN.right);
  const h = Math.max(1, height - MARGIN.top - MARGIN.bottom);
  return { width, height, plot: { x: MARGIN.left, y: MARGIN.top, w, h }, cellW: w / Math.max(1, T), cellH: h / Math.max(1, units) };
}

/** The cell under a point in CSS pixels, or null outside the plot. */
export function hitTest(l: Layout, x: number, y: number, T: number, units: number): { t: number; unit: number } | null {
  const t = Math.floor((x - l.plot.x) / l.cellW);
  const unit = Math.floor((y - l.plot.y) / l.cellH);
  if (t < 0 || t >= T || unit < 0 || unit >= units) return null;
  return { t, unit };
}
