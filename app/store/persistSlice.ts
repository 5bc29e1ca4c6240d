// The autosave as the page shows it: saving or not, the last save, and why the last one failed; the
// run being trained (what the autosave saves it as) and the stored runs' summaries (the run list).

import type { StateCreator } from 'zustand';
import type { RunInfo } from '../persist/runStore.ts';
import type { ChartX } from '../charts/overlay.ts';
import type { SweepState } from '../runs/sweep.ts';
import type { Store } from './index.ts';

/** Who the run being trained is: its id in the run store, its name, when it began, and the run it came from. */
export interface RunIdentity {
  id: string;
  name: string;
  createdAt: number;
  parentId: string | null;
}

export interface SaveState {
  /** A checkpoint is asked for or being written. */
  saving: boolean;
  /** When the stored session was saved (or, after a restore, the restored one), and its step. */
  savedAt: number | null;
  savedStep: number | null;
  /** Why the last save failed; null once a save succeeds. */
  error: string | null;
  /** The failure banner was closed: it stays closed until a save succeeds and a later one fails. */
  errorDismissed: boolean;
}

export interface PersistSlice {
  save: SaveState;
  setSave(partial: Partial<SaveState>): void;
  /** The run being trained; null before any configuration. */
  run: RunIdentity | null;
  /** Every stored run's summary, oldest first (the current one as of its last save). */
  runs: RunInfo[];
  /** Stored runs drawn on the charts beside the run in use. */
  shownRuns: string[];
  /** The charts' x axis: steps, or seconds of training. */
  chartX: ChartX;
  /** The sweep being run (or paused, or done); null when none. */
  sweep: SweepState | null;
}

export const createPersistSlice: StateCreator<Store, [], [], PersistSlice> = (set) => ({
  save: { saving: false, savedAt: null, savedStep: null, error: null, errorDismissed: false },
  setSave: (partial) => set((s) => ({ save: { ...s.save, ...partial } })),
  run: null,
  runs: [],
  shownRuns: [],
  chartX: 'step',
  sweep: null,
});
