// A small SVG chart of shares (0 to 1) by validation step: the frame, grid lines at 0, ½ and 1, the
// last step and a caption. The caller draws its series with the scales it is given (the tree
// panel's root accuracy, the encoder–decoder's token accuracy and exact match).

import type { ReactNode } from 'react';
import { COLORS } from './theme.ts';

const W = 480;
const H = 120;
const PAD = { left: 34, right: 8, top: 8, bottom: 20 };

export interface ShareScales {
  x(step: number): number;
  y(share: number): number;
  /** The plot's left and right edges (for a horizontal baseline). */
  left: number;
  right: number;
}

export function ShareChart(props: { lastStep: number; label: string; caption: string; testId: string; children: (s: ShareScales) => ReactNode }) {
  const maxStep = Math.max(1, props.lastStep);
  const s: ShareScales = {
    x: (step) => PAD.left + (step / maxStep) * (W - PAD.left - PAD.right),
    y: (a) => PAD.top + (1 - a) * (H - PAD.top - PAD.bottom),
    left: PAD.left,
    right: W - PAD.right,
  };
  return (
    <svg
      className="accuracy-chart"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      style={{ maxWidth: '100%', height: 'auto', display: 'block' }}
      role="img"
      aria-label={props.label}
      data-testid={props.testId}
    >
      {[0, 0.5, 1].map((t) => (
        <g key={t}>
          <line x1={s.left} x2={s.right} y1={s.y(t)} y2={s.y(t)} stroke={COLORS.grid} />
          <text x={PAD.left - 4} y={s.y(t) + 4} textAnchor="end" fontSize={10} fill={COLORS.axis}>
            {t}
          </text>
        </g>
      ))}
      <text x={s.right} y={H - 4} textAnchor="end" fontSize={10} fill={COLORS.axis}>
        step {maxStep.toLocaleString('en-US')}
      </text>
      <text x={PAD.left} y={H - 4} fontSize={10} fill={COLORS.axis}>
        {props.caption}
      </text>
      {props.children(s)}
    </svg>
  );
}

/** "x,y x,y …" of a series at the given scales. */
export const polyline = <P extends { step: number }>(s: ShareScales, points: P[], value: (p: P) => number): string =>
  points.map((p) => `${s.x(p.step).toFixed(1)},${s.y(value(p)).toFixed(1)}`).join(' ');
