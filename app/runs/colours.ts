// Run colours: Okabe–Ito's palette, told apart with the common colour-vision deficiencies. A run's
// colour is its place in the run list (the same in the list's swatch and on every chart).

import type { RunInfo } from '../persist/runStore.ts';

export const RUN_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'] as const;

/** Run `id`'s colour; null when it is not in the list (a run not saved yet). */
export function runColour(runs: readonly RunInfo[], id: string | undefined): string | null {
  const i = runs.findIndex((r) => r.id === id);
  return i < 0 ? null : RUN_COLOURS[i % RUN_COLOURS.length];
}
