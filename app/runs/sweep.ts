// Sweeps: one or two settings, each given values (a grid) or a range (random search), a step budget
// per run and a seed policy. The points are planned here (pure, seeded); pageLab.ts trains them one
// after another in the worker, each as a run of its own, and the plan with its progress is kept in
// localStorage, so a reload goes on where the sweep was.

import { Rng } from '../../gpu/core/rng.ts';
import type { Settings } from '../config/schema.ts';
import { readLocal, writeLocal } from '../persist/localJson.ts';

/** The settings a sweep can vary: numbers the form takes. */
export const SWEEP_FIELDS = ['lr', 'hidden', 'layers', 'batchSize', 'clip', 'seed'] as const;
export type SweepField = (typeof SWEEP_FIELDS)[number];
export const SWEEP_LABELS: Record<SweepField, string> = {
  lr: 'learning rate',
  hidden: 'hidden size',
  layers: 'layers',
  batchSize: 'batch size',
  clip: 'clip norm',
  seed: 'seed',
};
const INTEGER: Record<SweepField, boolean> = { lr: false, hidden: true, layers: true, batchSize: true, clip: false, seed: true };

/** An axis: listed values (grid), or a range sampled at random (log-uniform for the learning rate). */
export type SweepAxis = { field: SweepField; values: number[] } | { field: SweepField; min: number; max: number };

export interface SweepPlan {
  id: string;
  /** The settings every run starts from (the run in use's when the sweep began). */
  base: Settings;
  axes: SweepAxis[];
  /** Runs of a random search (ignored for a grid). */
  samples: number;
  /** Steps each run trains. */
  steps: number;
  /** 'same': every run has the base seed; 'each': run k has base seed + k. */
  seeds: 'same' | 'each';
}

export interface SweepState {
  plan: SweepPlan;
  /** The settings of each run, in order. */
  points: Settings[];
  /** Each point's run id once it started (null before). */
  runIds: (string | null)[];
  /** The point being trained, or the next to start. */
  next: number;
  status: 'running' | 'paused' | 'done';
}

export const SWEEP_LIMITS = { runs: 64, steps: 100_000 } as const;

/**
 * An axis from what a user typed: "0.001, 0.003, 0.01" (values) or "0.0001..0.1" (a range); the
 * error says what is wrong with it.
 */
export function parseAxis(field: SweepField, text: string): SweepAxis | { error: string } {
  const label = SWEEP_LABELS[field];
  const num = (s: string) => (s.trim() === '' ? NaN : Number(s));
  const ok = (v: number) => Number.isFinite(v) && (!INTEGER[field] || Number.isInteger(v)) && (field === 'clip' || field === 'seed' ? v >= 0 : v > 0);
  const kind = INTEGER[field] ? 'whole numbers above 0' : field === 'clip' ? 'numbers from 0' : 'numbers above 0';
  const range = /^\s*([^.\s][^\s]*?)\s*\.\.\s*(\S+)\s*$/.exec(text);
  if (range) {
    const [min, max] = [num(range[1]), num(range[2])];
    if (!ok(min) || !ok(max) || !(min < max)) return { error: `The ${label} range must be two ${kind}, the first below the second: “min..max”.` };
    return { field, min, max };
  }
  const values = text.split(',').map(num);
  if (values.length === 0 || values.some((v) => !ok(v))) return { error: `The ${label} values must be ${kind}, separated by commas (or a range “min..max”).` };
  if (new Set(values).size !== values.length) return { error: `The ${label} values repeat one.` };
  return { field, values };
}

/** The settings of each run: the grid's combinations (first axis slowest), or `samples` random points; the seed by the policy. */
export function sweepPoints(plan: SweepPlan): Settings[] {
  const random = plan.axes.some((a) => !('values' in a));
  let combos: Partial<Settings>[];
  if (random) {
    const rng = new Rng(plan.base.seed * 7919 + 17);
    combos = Array.from({ length: plan.samples }, () =>
      Object.fromEntries(
        plan.axes.map((a) => {
          if ('values' in a) return [a.field, a.values[rng.int(a.values.length)]];
          const u = rng.uniform();
          // The learning rate spans decades: sampled evenly in its logarithm.
          const v = a.field === 'lr' ? Math.exp(Math.log(a.min) + u * (Math.log(a.max) - Math.log(a.min))) : a.min + u * (a.max - a.min);
          return [a.field, INTEGER[a.field] ? Math.round(v) : Number(v.toPrecision(3))];
        }),
      ),
    );
  } else {
    combos = [{}];
    for (const a of plan.axes as { field: SweepField; values: number[] }[]) combos = combos.flatMap((c) => a.values.map((v) => ({ ...c, [a.field]: v })));
  }
  return combos.map((c, k) => ({ ...plan.base, ...c, ...(plan.seeds === 'each' && !('seed' in c) ? { seed: plan.base.seed + k } : {}) }));
}

/** A sweep run's name: "Sweep · lr 0.01 · hidden 32". */
export function sweepRunName(plan: SweepPlan, s: Settings): string {
  return ['Sweep', ...plan.axes.map((a) => `${a.field} ${s[a.field]}`)].join(' · ');
}

const KEY = 'rnnlab.sweep';

/** Without localStorage the sweep goes on, but a reload ends it. */
export function saveSweep(s: SweepState | null): void {
  writeLocal(KEY, s);
}

export function loadSweep(): SweepState | null {
  const s = readLocal(KEY) as SweepState | null;
  return s && Array.isArray(s.points) && Array.isArray(s.runIds) && Number.isInteger(s.next) && s.plan ? s : null;
}
