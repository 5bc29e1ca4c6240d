// Generated text: the sampling settings and the latest samples (newest first).

import type { StateCreator } from 'zustand';
import type { Store } from './index.ts';

export interface Sample {
  step: number;
  prompt: string;
  text: string;
}

/** Samples kept on the page; older ones are dropped. */
export const MAX_SAMPLES = 8;

/** The samples kept after `sample` arrived. */
export const withSample = (samples: Sample[], sample: Sample): Sample[] => [sample, ...samples].slice(0, MAX_SAMPLES);

export interface SamplesSlice {
  samples: Sample[];
  prompt: string;
  temperature: number;
  sampleLength: number;
  setSampling(partial: Partial<Pick<SamplesSlice, 'prompt' | 'temperature' | 'sampleLength'>>): void;
}

export const createSamplesSlice: StateCreator<Store, [], [], SamplesSlice> = (set) => ({
  samples: [],
  prompt: 'The ',
  temperature: 0.8,
  sampleLength: 200,
  setSampling: (partial) => set(partial),
});
