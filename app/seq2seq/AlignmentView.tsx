// The attention view: the alignment matrix of validation pair 0 at the latest validation, as a
// heatmap (source symbols along x, output symbols along y, the target beside them), redrawn at every
// validation while training. Hovering a cell gives its output and source symbols and its weight; the
// picture is also described in words for screen readers. A model without attention says so and shows
// its output as text.

import { useEffect, useId, useRef, useSyncExternalStore } from 'react';
import type { Attention } from '../../gpu/seq2seq/config.ts';
import { alignmentHit, describeAlignment, joined, symbolLabel, weightsChecksum, type AlignmentLayout } from './alignment.ts';
import { alignmentRows, drawAlignment } from './drawAlignment.ts';
import type { Seq2SeqFeed } from './seq2seqFeed.ts';
import './seq2seq.css';

/** The sequential half of the heatmap's colour map: weight 0 near white, 1 dark red. */
const WEIGHT_GRADIENT = 'linear-gradient(to right, rgb(247 247 247), rgb(239 138 98), rgb(178 24 43))';

const ATTENTION_NAMES: Record<Attention, string> = {
  none: 'no attention',
  dot: 'dot-product attention',
  general: 'general (bilinear) attention',
  additive: 'additive attention',
};

export function AlignmentView({ feed, attention }: { feed: Seq2SeqFeed; attention: Attention | null }) {
  const m = useSyncExternalStore(
    (f) => feed.changed.subscribe(f),
    () => feed.alignment,
  );
  const canvas = useRef<HTMLCanvasElement>(null);
  const tip = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const descId = useId();
  const weights = m?.weights ?? null;

  useEffect(() => {
    const el = canvas.current;
    if (!el || !m || !m.weights) return;
    const msg = { ...m, weights: m.weights };
    let layout: AlignmentLayout | null = null;
    const draw = () => void (layout = drawAlignment(el, msg));
    draw();
    const resize = new ResizeObserver(draw);
    resize.observe(el);
    const move = (e: PointerEvent) => {
      const r = el.getBoundingClientRect();
      const hit = layout && alignmentHit(layout, e.clientX - r.left, e.clientY - r.top, alignmentRows(msg), msg.source.length);
      const t = tip.current!;
      if (!hit || hit.row >= msg.output.length) return void (t.hidden = true);
      const target = msg.target[hit.row];
      t.textContent =
        `output ${hit.row + 1} “${symbolLabel(msg.output[hit.row])}”${target !== undefined ? ` (target “${symbolLabel(target)}”)` : ''} · ` +
        `source ${hit.col + 1} “${symbolLabel(msg.source[hit.col])}” · weight ${msg.weights[hit.row * msg.source.length + hit.col].toFixed(3)}`;
      t.hidden = false;
      const x = Math.min(e.clientX - r.left + 12, r.width - t.offsetWidth - 4);
      t.style.transform = `translate(${Math.max(0, x)}px, ${e.clientY - r.top + 14}px)`;
    };
    const leave = () => void (tip.current!.hidden = true);
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerleave', leave);
    return () => {
      resize.disconnect();
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerleave', leave);
    };
  }, [m]);

  const none = attention === 'none' || (m !== null && weights === null);
  return (
    <figure className="alignment" data-testid="alignment-view" aria-labelledby={titleId}>
      <figcaption className="alignment-head">
        <span id={titleId}>
          Attention{m ? ` at step ${m.step.toLocaleString('en-US')}` : ''}
          {attention ? <span className="muted"> · {ATTENTION_NAMES[attention]}</span> : null}
        </span>
        {!none && (
          <span className="legend">
            <span>0</span>
            <span className="legend-bar" style={{ background: WEIGHT_GRADIENT }} />
            <span>1</span>
          </span>
        )}
      </figcaption>
      {none ? (
        <p className="muted" data-testid="alignment-none">
          No attention: the decoder reads only the encoder’s final state, so there is no alignment to draw. Choose dot, general or additive attention to see
          where each output symbol looks in the source.
        </p>
      ) : !m ? (
        <p className="muted">The alignment of a validation pair appears at the first validation (every 40 steps, and when training pauses).</p>
      ) : null}
      {m && weights && (
        <div className="heatmap-wrap">
          <canvas
            ref={canvas}
            className="alignment-canvas"
            data-testid="alignment-canvas"
            data-step={m.step}
            data-checksum={weightsChecksum(weights)}
            role="img"
            aria-label={`Attention weights of a validation pair at step ${m.step}: ${m.output.length} output symbols (rows) by ${m.source.length} source symbols (columns)`}
            aria-describedby={descId}
          />
          <div ref={tip} className="tooltip" hidden />
        </div>
      )}
      {m && (
        <>
          <dl className="alignment-strings" data-testid="alignment-strings">
            <dt>source</dt>
            <dd>{joined(m.source)}</dd>
            <dt>output</dt>
            <dd data-testid="alignment-output">{joined(m.output)}</dd>
            <dt>target</dt>
            <dd>{joined(m.target)}</dd>
          </dl>
          <p id={descId} className="visually-hidden">
            {describeAlignment(m)}
          </p>
        </>
      )}
    </figure>
  );
}
