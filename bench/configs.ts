// The bench's model sizes (vocabulary V, hidden H, steps T, batch B), shared by Node and the browser.
import type { Cell } from '../gpu/model/config.ts';

export interface BenchConfig {
  name: string;
  cell: Cell;
  V: number;
  H: number;
  T: number;
  B: number;
}

export const BENCH_CONFIGS: BenchConfig[] = [
  { name: 'tiny', cell: 'rnn', V: 32, H: 32, T: 32, B: 16 },
  { name: 'small', cell: 'rnn', V: 65, H: 128, T: 64, B: 32 },
  { name: 'tiny-gru', cell: 'gru', V: 32, H: 32, T: 32, B: 16 },
  { name: 'small-gru', cell: 'gru', V: 65, H: 128, T: 64, B: 32 },
  { name: 'tiny-lstm', cell: 'lstm', V: 32, H: 32, T: 32, B: 16 },
  { name: 'small-lstm', cell: 'lstm', V: 65, H: 128, T: 64, B: 32 },
];
