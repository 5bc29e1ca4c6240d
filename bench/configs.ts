// The bench's model sizes (vocabulary V, hidden H, steps T, batch B), shared by Node and the browser.
// One layer, one-hot character inputs, a softmax head over V, Adam: the model the peers build too.
import type { Cell } from '../gpu/recurrent/config.ts';

export type Size = 'tiny' | 'small' | 'large';

export interface BenchConfig {
  /** 'tiny', 'small', 'large' for the Elman RNN; 'tiny-gru', 'large-lstm', … for the others. */
  name: string;
  size: Size;
  cell: Cell;
  V: number;
  H: number;
  T: number;
  B: number;
}

export const SIZES: Record<Size, { V: number; H: number; T: number; B: number }> = {
  tiny: { V: 32, H: 32, T: 32, B: 16 },
  small: { V: 65, H: 128, T: 64, B: 32 },
  large: { V: 65, H: 512, T: 128, B: 64 },
};

export const CELLS: Cell[] = ['rnn', 'gru', 'lstm'];

export const configName = (size: Size, cell: Cell) => (cell === 'rnn' ? size : `${size}-${cell}`);

/** Every size × cell, smallest first. */
export const BENCH_CONFIGS: BenchConfig[] = (Object.keys(SIZES) as Size[]).flatMap((size) =>
  CELLS.map((cell) => ({ name: configName(size, cell), size, cell, ...SIZES[size] })),
);

/** Time per step against T: one config at T = 32 … 256 (a least-squares line through them). */
export const T_SCALING = { cell: 'lstm' as Cell, V: 65, H: 64, B: 16, Ts: [32, 64, 128, 256] };

export function tScalingConfigs(Ts = T_SCALING.Ts): BenchConfig[] {
  const { cell, V, H, B } = T_SCALING;
  return Ts.map((T) => ({ name: `t${T}-${cell}`, size: 'small', cell, V, H, T, B }));
}

export function findConfig(name: string): BenchConfig {
  const c = BENCH_CONFIGS.find((c) => c.name === name) ?? tScalingConfigs().find((c) => c.name === name);
  if (!c) throw new Error(`unknown bench config "${name}" (known: ${BENCH_CONFIGS.map((c) => c.name).join(', ')})`);
  return c;
}
