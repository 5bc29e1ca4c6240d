// What the page shows, as one small zustand store. Per-step data (the loss curve) lives in
// lossSeries.ts instead, so a training step never re-renders React.

import { create } from 'zustand';

export type LabStatus = 'starting' | 'ready' | 'training' | 'pausing' | 'paused' | 'error';

export interface LabState {
  status: LabStatus;
  adapter: string | null;
  error: string | null;
  /** What kind of failure `error` is, as a heading: no WebGPU reads differently from a GPU fault. */
  errorTitle: string | null;
  steps: number;
  /** Latest loss received (they arrive in windows of lossEvery steps). */
  loss: number | null;
  tokensPerSec: number | null;
  msPerStep: number | null;
  sample: { step: number; text: string } | null;
  corpus: { chars: number; vocab: number } | null;
}

export const initialLabState: LabState = {
  status: 'starting',
  adapter: null,
  error: null,
  errorTitle: null,
  steps: 0,
  loss: null,
  tokensPerSec: null,
  msPerStep: null,
  sample: null,
  corpus: null,
};

export const useLab = create<LabState>()(() => initialLabState);
