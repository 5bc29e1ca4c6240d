// The stored runs drawn on the charts beside the live one: each shown run's curves (read from the run
// store without its weights), its colour and its label, kept outside React like the live metrics.
// The charts redraw when `changed` fires.

import { Signal } from '../metrics/signal.ts';
import { StepSeries } from '../metrics/stepSeries.ts';
import type { ValidationPoint } from '../metrics/metrics.ts';
import { loadRunCurves, type RunCurves } from '../persist/runStore.ts';

export interface Overlay {
  id: string;
  /** "Run 2 · lr 0.003 → 0.01": its name and what changed from the run it came from. */
  label: string;
  colour: string;
  loss: StepSeries;
  gradNorm: StepSeries;
  msPerStep: StepSeries;
  validation: ValidationPoint[];
}

export interface OverlayWanted {
  id: string;
  label: string;
  colour: string;
  /** When the run was last saved: a newer save reloads its curves. */
  savedAt: number;
}

const series = (values: Float32Array | null) => {
  const s = new StepSeries();
  if (values) s.put(0, values);
  return s;
};

export class RunOverlays {
  readonly changed = new Signal();
  /** Bumped at every change: React reads it to rebuild the charts' series. */
  version = 0;
  list: Overlay[] = [];
  private loaded = new Map<string, { savedAt: number; curves: RunCurves }>();
  private request = 0;
  /** What the list shows now: a set() that wants the same changes nothing (the charts are not rebuilt). */
  private shown = '';

  /** Shows exactly `wanted` (in its order), loading the curves of runs not loaded yet or saved since. */
  async set(wanted: OverlayWanted[]): Promise<void> {
    const signature = wanted.map((w) => `${w.id}\t${w.savedAt}\t${w.label}\t${w.colour}`).join('\n');
    if (signature === this.shown) return;
    const request = ++this.request;
    for (const w of wanted) {
      const have = this.loaded.get(w.id);
      if (have && have.savedAt === w.savedAt) continue;
      const curves = await loadRunCurves(w.id).catch(() => null);
      if (request !== this.request) return; // a newer set() took over
      if (curves) this.loaded.set(w.id, { savedAt: w.savedAt, curves });
    }
    for (const id of [...this.loaded.keys()]) if (!wanted.some((w) => w.id === id)) this.loaded.delete(id);
    this.list = wanted.flatMap((w) => {
      const c = this.loaded.get(w.id)?.curves;
      return c
        ? [
            {
              id: w.id,
              label: w.label,
              colour: w.colour,
              loss: series(c.losses),
              gradNorm: series(c.gradNorms),
              msPerStep: series(c.msPerStep),
              validation: c.validation,
            },
          ]
        : [];
    });
    this.shown = signature;
    this.version++;
    this.changed.notify();
  }
}
