// The bench's model sizes (vocabulary V, hidden H, steps T, batch B), shared by Node and the browser.
export interface BenchConfig {
  name: string;
  V: number;
  H: number;
  T: number;
  B: number;
}

export const BENCH_CONFIGS: BenchConfig[] = [
  { name: 'tiny', V: 32, H: 32, T: 32, B: 16 },
  { name: 'small', V: 65, H: 128, T: 64, B: 32 },
];
