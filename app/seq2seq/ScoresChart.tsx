// Greedy decoding's scores on the validation pairs by step: the per-token accuracy (solid) and the
// share of pairs decoded exactly (dashed), from 0 to 1.

import { COLORS } from '../charts/theme.ts';
import { polyline, ShareChart } from '../charts/ShareChart.tsx';
import type { Seq2SeqPoint } from './seq2seqFeed.ts';

export function ScoresChart({ points }: { points: Seq2SeqPoint[] }) {
  if (points.length === 0) return <p className="muted">The scores appear at the first validation (every 40 steps, and when training pauses).</p>;
  const last = points.at(-1)!;
  return (
    <ShareChart
      lastStep={last.step}
      label={`validation scores: ${points.length} validations, last token accuracy ${last.accuracy.toFixed(3)}, exact match ${last.exactMatch.toFixed(3)}`}
      caption="token accuracy (solid), exact match (dashed) by step"
      testId="seq2seq-scores-chart"
    >
      {(s) => (
        <>
          <polyline points={polyline(s, points, (p) => p.accuracy)} fill="none" stroke={COLORS.validation} strokeWidth={2} />
          <polyline points={polyline(s, points, (p) => p.exactMatch)} fill="none" stroke={COLORS.validation} strokeWidth={2} strokeDasharray="5 3" />
          {points.map((p) => (
            <circle key={p.step} cx={s.x(p.step)} cy={s.y(p.accuracy)} r={2.5} fill={COLORS.validation}>
              <title>{`step ${p.step}: token accuracy ${p.accuracy.toFixed(3)}, exact match ${p.exactMatch.toFixed(3)}`}</title>
            </circle>
          ))}
        </>
      )}
    </ShareChart>
  );
}
