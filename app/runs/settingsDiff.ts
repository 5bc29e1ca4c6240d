// What changed between two runs' settings, in a few words: "lr 0.003 → 0.01 · hidden 128 → 256" —
// the run list's label for a run against the one it came from (and the overlays' legend, later).

import type { Settings } from '../config/schema.ts';

const SHORT: Record<keyof Settings, string> = {
  dataset: 'data',
  cell: 'cell',
  hidden: 'hidden',
  layers: 'layers',
  bidirectional: 'bidirectional',
  seqLen: 'length',
  tbptt: 'tbptt',
  batchSize: 'batch',
  optimizer: 'optimizer',
  lr: 'lr',
  clip: 'clip',
  seed: 'seed',
  trainDepth: 'train depth',
  validationDepth: 'val. depth',
  attention: 'attention',
  maxLength: 'max length',
  teacherForcing: 'teacher forcing',
  teacherForcingSteps: 'tf to 0 by',
};

const show = (v: unknown) => (typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v));

/** The fields of `b` that differ from `a`, each "name a → b", in the form's order. */
export function settingsDiff(a: Settings, b: Settings): string[] {
  return (Object.keys(SHORT) as (keyof Settings)[]).filter((k) => a[k] !== b[k]).map((k) => `${SHORT[k]} ${show(a[k])} → ${show(b[k])}`);
}

/** A run's label against its parent: the differences joined, "same settings" when none, "first run" without a parent. */
export function diffLabel(parent: Settings | null, run: Settings): string {
  if (!parent) return 'first run';
  const d = settingsDiff(parent, run);
  return d.length ? d.join(' · ') : 'same settings';
}
