// The autosave as the page shows it: saving or not, the last save, and why the last one failed.

import type { StateCreator } from 'zustand';
import type { Store } from './index.ts';

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
}

export const createPersistSlice: StateCreator<Store, [], [], PersistSlice> = (set) => ({
  save: { saving: false, savedAt: null, savedStep: null, error: null, errorDismissed: false },
  setSave: (partial) => set((s) => ({ save: { ...s.save, ...partial } })),
});
