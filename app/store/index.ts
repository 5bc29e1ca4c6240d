// The page's one store, built from slices (settings form, session, samples, autosave, what is in
// flight to the worker). Per-step data does not live here: see metrics/, which changes many times a
// second without re-rendering React.

import { create } from 'zustand';
import { createInFlightSlice, type InFlightSlice } from './inFlightSlice.ts';
import { createPersistSlice, type PersistSlice } from './persistSlice.ts';
import { createSamplesSlice, type SamplesSlice } from './samplesSlice.ts';
import { createSessionSlice, type SessionSlice } from './sessionSlice.ts';
import { createSettingsSlice, type SettingsSlice } from './settingsSlice.ts';

export type Store = SettingsSlice & SessionSlice & SamplesSlice & PersistSlice & InFlightSlice;

export const useStore = create<Store>()((...a) => ({
  ...createSettingsSlice(...a),
  ...createSessionSlice(...a),
  ...createSamplesSlice(...a),
  ...createPersistSlice(...a),
  ...createInFlightSlice(...a),
}));
