// What the page has asked of the training worker and not yet heard back about: the configuration
// (or the stored session) being set up, the weights file being imported, the sample being drawn,
// and the step of the next automatic sample. The page's controller
// (lab/pageLab.ts) writes it; its message handling (lab/handleMessage.ts) reads and patches it.

import type { StateCreator } from 'zustand';
import type { Settings } from '../config/schema.ts';
import type { StoredSession } from '../persist/sessionStore.ts';
import type { Phase } from './sessionSlice.ts';
import type { Store } from './index.ts';
import type { RunIdentity } from './persistSlice.ts';

/** Steps between automatic samples while a character model trains. */
export const SAMPLE_EVERY = 100;

/** A configuration sent to the worker, until its 'configured' (or the error that refuses it). */
export interface ConfigureRequest {
  settings: Settings;
  keepWeights: boolean;
  /** Training was running: it goes on once configured. */
  resume: boolean;
  /** The phase to go back to if the worker refuses the settings. */
  phaseBefore: Phase;
  /** What `carriedSteps` becomes once configured. */
  carriedSteps: number;
  /** The run it starts (new weights: a new run; a restore: the stored run); absent: the run goes on. */
  run?: RunIdentity;
}

export interface InFlightSlice {
  requested: ConfigureRequest | null;
  /** The file name of the weights import in flight. */
  importing: string | null;
  /** The steps the imported file records, between its `weightsImported` and the status that ends the import. */
  importedStep: number | null;
  /** The stored session being loaded into the worker, until it is (status 'paused') or is refused. */
  restoring: StoredSession | null;
  sampleInFlight: boolean;
  /** The step count at which training draws its next sample. */
  nextSampleAt: number;
}

export const createInFlightSlice: StateCreator<Store, [], [], InFlightSlice> = () => ({
  requested: null,
  importing: null,
  importedStep: null,
  restoring: null,
  sampleInFlight: false,
  nextSampleAt: SAMPLE_EVERY,
});
