// The recurrent state over one validation sequence: units × time steps of the latest heatmap frame,
// for the chosen channel (h; r, z for a GRU; i, f, o, c for an LSTM). Drawn outside React's render
// cycle: a ref, a subscription to the metrics, at most one draw per animation frame. Hovering a cell
// shows its unit, step (and the step's label) and value.

import { useCallback, useEffect, useId, useRef, useState, useSyncExternalStore } from 'react';
import { lab } from '../lab/pageLab.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { onFrame } from '../metrics/signal.ts';
import { useStore } from '../store/index.ts';
import { CSS_GRADIENT } from './colormap.ts';
import { display, drawHeatmap, drawPlaceholder, maxAbs } from './drawHeatmap.ts';
import { canvasHeight, hitTest, type Layout } from './layout.ts';

const CHANNEL_NAMES: Record<string, string> = {
  h: 'hidden h',
  c: 'cell c',
  r: 'reset r',
  z: 'update z',
  i: 'input i',
  f: 'forget f',
  o: 'output o',
};

/** Where a heatmap's frames and step labels come from: the app's session, or a notebook cell's. */
export interface HeatmapSource {
  metrics: Metrics;
  /** The labels of the heatmap sequence's steps (characters, words or values). */
  labels(): string[];
  /** 2 for a bidirectional model, whose channels hold its forward units, then its reverse units; absent: 1. */
  directions?(): number;
}

const appSource: HeatmapSource = {
  metrics: lab.metrics,
  labels: () => useStore.getState().model?.stepLabels ?? [],
  directions: () => (useStore.getState().model?.config.bidirectional ? 2 : 1),
};

const CANVAS_LABEL = 'Units by time steps of the chosen channel';

/** Unit u of a channel of `units` rows: "unit 70 (reverse 6)" for a bidirectional model. */
function unitName(u: number, units: number, directions: number): string {
  if (directions !== 2) return `unit ${u}`;
  const H = units / 2;
  return `unit ${u} (${u < H ? 'forward' : 'reverse'} ${u % H})`;
}

export function Heatmap({ source = appSource, compact = false }: { source?: HeatmapSource; compact?: boolean }) {
  const { metrics } = source;
  const titleId = useId();
  const channelList = useCallback(() => metrics.heatmap?.channels.map((c) => c.name).join(',') ?? '', [metrics]);
  const subscribe = useCallback((listener: () => void) => metrics.heatmapChanged.subscribe(listener), [metrics]);
  const names = useSyncExternalStore(subscribe, channelList).split(',').filter(Boolean);
  const [chosen, setChosen] = useState('h');
  const channel = names.includes(chosen) ? chosen : (names[0] ?? 'h');
  const canvas = useRef<HTMLCanvasElement>(null);
  const tip = useRef<HTMLDivElement>(null);
  const caption = useRef<HTMLSpanElement>(null);
  const low = useRef<HTMLSpanElement>(null);
  const high = useRef<HTMLSpanElement>(null);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    let current: Layout | null = null;
    const draw = () => {
      const frame = metrics.heatmap;
      const c = frame?.channels.find((x) => x.name === channel);
      if (!frame || !c) {
        current = null;
        drawPlaceholder(el, 'Appears at the first validation.');
        caption.current!.textContent = '';
        low.current!.textContent = '−1';
        high.current!.textContent = '+1';
        return;
      }
      const h = `${canvasHeight(c.units)}px`;
      if (el.style.height !== h) el.style.height = h;
      const scale = maxAbs(c.values);
      // A bidirectional model's rows: its forward units, then its reverse units (a line between them).
      const both = source.directions?.() === 2 && c.units % 2 === 0;
      current = drawHeatmap(el, c, frame.T, source.labels(), scale, both ? c.units / 2 : undefined);
      const units = both ? `${c.units} units (${c.units / 2} forward, then ${c.units / 2} reverse)` : `${c.units} units`;
      caption.current!.textContent = `step ${frame.step.toLocaleString('en-US')} · ${units} × ${frame.T} steps`;
      el.setAttribute('aria-label', both ? `${CANVAS_LABEL}: forward units above the line, reverse units below` : CANVAS_LABEL);
      low.current!.textContent = `−${scale.toPrecision(2)}`;
      high.current!.textContent = `+${scale.toPrecision(2)}`;
    };
    const stop = onFrame([metrics.heatmapChanged], draw);
    const resize = new ResizeObserver(draw);
    resize.observe(el);

    const move = (e: PointerEvent) => {
      const frame = metrics.heatmap;
      const c = frame?.channels.find((x) => x.name === channel);
      const r = el.getBoundingClientRect();
      const hit = frame && c && current ? hitTest(current, e.clientX - r.left, e.clientY - r.top, frame.T, c.units) : null;
      const t = tip.current!;
      if (!hit || !c) return void (t.hidden = true);
      const label = source.labels()[hit.t];
      const value = c.values[hit.t * c.units + hit.unit];
      t.textContent = `${unitName(hit.unit, c.units, source.directions?.() ?? 1)} · step ${hit.t}${label !== undefined ? ` “${display(label)}”` : ''} · ${channel} = ${value.toFixed(3)}`;
      t.hidden = false;
      const x = Math.min(e.clientX - r.left + 12, r.width - t.offsetWidth - 4);
      t.style.transform = `translate(${Math.max(0, x)}px, ${e.clientY - r.top + 14}px)`;
    };
    const leave = () => void (tip.current!.hidden = true);
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerleave', leave);
    return () => {
      stop();
      resize.disconnect();
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerleave', leave);
    };
  }, [channel, source, metrics]);

  return (
    <section className={`panel heatmap-panel wide${compact ? ' compact' : ''}`} aria-labelledby={titleId}>
      <header className="panel-head">
        <h2 id={titleId}>Hidden state</h2>
        <div className="segmented" role="radiogroup" aria-label="Channel">
          {(names.length ? names : ['h']).map((n) => (
            <button key={n} type="button" role="radio" aria-checked={n === channel} className={n === channel ? 'on' : ''} onClick={() => setChosen(n)}>
              {CHANNEL_NAMES[n] ?? n}
            </button>
          ))}
        </div>
      </header>
      <p className="heatmap-caption">
        <span ref={caption} />
        <span className="legend">
          <span ref={low}>−1</span>
          <span className="legend-bar" style={{ background: CSS_GRADIENT }} />
          <span ref={high}>+1</span>
        </span>
      </p>
      <div className="heatmap-wrap">
        <canvas ref={canvas} className="heatmap" data-testid="heatmap" role="img" aria-label={CANVAS_LABEL} />
        <div ref={tip} className="tooltip" hidden />
      </div>
    </section>
  );
}
