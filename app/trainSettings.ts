// The first page's model and optimizer: a character-level Elman RNN on the bundled corpus.

export interface TrainSettings {
  hidden: number;
  nonlinearity: 'tanh' | 'relu';
  /** Characters per sequence and sequences per batch. */
  T: number;
  B: number;
  lr: number;
  seed: number;
}

export const DEFAULT_SETTINGS: TrainSettings = { hidden: 128, nonlinearity: 'tanh', T: 32, B: 16, lr: 3e-3, seed: 1 };

/** Steps per loss readback: the GPU copies losses into a ring and the page maps it this often. */
export const LOSS_EVERY = 10;
/** Steps between text samples, and what they print. */
export const SAMPLE_EVERY = 100;
export const SAMPLE_LENGTH = 200;
export const SAMPLE_PROMPT = 'The ';
export const SAMPLE_TEMPERATURE = 0.8;
