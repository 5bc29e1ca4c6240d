// Greedy decoding's scores on the validation pairs by step: the per-token accuracy (solid) and the
// share of pairs decoded exactly (dashed), from 0 to 1.

import { COLORS } from '../charts/theme.ts';
import type { Seq2SeqPoint } from './seq2seqFeed.ts';

const W = 480;
const H = 120;
const PAD = { left: 34, right: 8, top: 8, bottom: 20 };

export function ScoresChart({ points }: { points: Seq2SeqPoint[] }) {
  if (points.length === 0) return <p className="muted">The scores appear at the first validation (every 40 steps, and when training pauses).</p>;
  const last = points.at(-1)!;
  const maxStep = Math.max(1, last.step);
  const x = (step: number) => PAD.left + (step / maxStep) * (W - PAD.left - PAD.right);
  const y = (a: number) => PAD.top + (1 - a) * (H - PAD.top - PAD.bottom);
  const line = (k: 'accuracy' | 'exactMatch') => points.map((p) => `${x(p.step).toFixed(1)},${y(p[k]).toFixed(1)}`).join(' ');
  return (
    <svg
      className="accuracy-chart"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      style={{ maxWidth: '100%', height: 'auto', display: 'block' }}
      role="img"
      aria-label={`validation scores: ${points.length} validations, last token accuracy ${last.accuracy.toFixed(3)}, exact match ${last.exactMatch.toFixed(3)}`}
      data-testid="seq2seq-scores-chart"
    >
      {[0, 0.5, 1].map((t) => (
        <g key={t}>
          <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} stroke={COLORS.grid} />
          <text x={PAD.left - 4} y={y(t) + 4} textAnchor="end" fontSize={10} fill={COLORS.axis}>
            {t}
          </text>
        </g>
      ))}
      <text x={W - PAD.right} y={H - 4} textAnchor="end" fontSize={10} fill={COLORS.axis}>
        step {maxStep.toLocaleString('en-US')}
      </text>
      <text x={PAD.left} y={H - 4} fontSize={10} fill={COLORS.axis}>
        token accuracy (solid), exact match (dashed) by step
      </text>
      <polyline points={line('accuracy')} fill="none" stroke={COLORS.validation} strokeWidth={2} />
      <polyline points={line('exactMatch')} fill="none" stroke={COLORS.validation} strokeWidth={2} strokeDasharray="5 3" />
      {points.map((p) => (
        <circle key={p.step} cx={x(p.step)} cy={y(p.accuracy)} r={2.5} fill={COLORS.validation}>
          <title>{`step ${p.step}: token accuracy ${p.accuracy.toFixed(3)}, exact match ${p.exactMatch.toFixed(3)}`}</title>
        </circle>
      ))}
    </svg>
  );
}
