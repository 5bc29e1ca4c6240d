// The FLOP counter behind the bench's achieved GFLOP/s: a hand-counted case, the parameter count
// against the engine's own layout, the products against the closed form, linearity in T and B.
import { describe, expect, it } from 'vitest';
import { paramLayout } from '../gpu/recurrent/params.ts';
import { parseModelConfig, GATES } from '../gpu/recurrent/config.ts';
import { paramCount, trainingStepFlops, type FlopSpec } from './flops.ts';
import { CELLS } from './configs.ts';

describe('trainingStepFlops', () => {
  it('counts a one-unit Elman RNN by hand', () => {
    // V = O = 2, H = T = B = 1. Forward: gather + bias 1, W_hh·h 2, pointwise 3; head 4 + bias 2 +
    // softmax/xent 14 + mean 1. Backward: W_hhᵀ·dA 2, pointwise 4, dW_hh 2, bias sums 2, scatter 1;
    // head dW 4, db 2, dh 4. Parameters: W_ih 2, W_hh 1, biases 2, head 2 + 2 = 9, × 15 for the optimizer.
    const f = trainingStepFlops({ cell: 'rnn', V: 2, H: 1, T: 1, B: 1 });
    expect(f).toEqual({ forward: 27, backward: 21, optimizer: 135, total: 183, matmul: 18, params: 9 });
  });

  it('counts the parameters the engine lays out', () => {
    for (const cell of CELLS)
      for (const layers of [1, 2])
        for (const input of ['tokens', 'real'] as const) {
          const cfg = parseModelConfig({
            cell,
            hidden: 7,
            layers,
            input: input === 'tokens' ? { kind: 'tokens', vocab: 11 } : { kind: 'real', features: 11 },
            output: 5,
          });
          const want = paramLayout(cfg).specs.reduce((a, s) => a + s.size, 0);
          expect(paramCount({ cell, V: 11, H: 7, T: 1, B: 1, O: 5, layers, input }), `${cell} ${layers} ${input}`).toBe(want);
        }
  });

  it('counts the products as 6·N·H·(G·H + O) for token inputs, plus 4·N·V·G·H for real ones', () => {
    for (const cell of CELLS) {
      const s: FlopSpec = { cell, V: 65, H: 128, T: 64, B: 32 };
      const N = s.T * s.B;
      const GH = GATES[cell] * s.H;
      const tokens = trainingStepFlops(s);
      expect(tokens.matmul).toBe(6 * N * s.H * GH + 6 * N * s.H * s.V);
      expect(trainingStepFlops({ ...s, input: 'real' }).matmul - tokens.matmul).toBe(4 * N * s.V * GH);
      // A second layer adds six products of N·H·G·H: its input projection, W_hh·h, W_hhᵀ·dA, dW_hh,
      // dW_ih, and dL/dh of the layer below.
      expect(trainingStepFlops({ ...s, layers: 2 }).matmul - tokens.matmul).toBe(12 * N * s.H * GH);
      // The products are most of the work at this size.
      expect(tokens.matmul / tokens.total).toBeGreaterThan(0.85);
    }
  });

  const flops =
    (cell: (typeof CELLS)[number]) =>
    (T: number, B = 8) =>
      trainingStepFlops({ cell, V: 32, H: 32, T, B });

  it('is a + b·T', () => {
    for (const cell of CELLS) {
      const f = flops(cell);
      const step = f(2).total - f(1).total;
      for (const T of [3, 17, 256]) expect(f(T).total).toBe(f(1).total + (T - 1) * step);
    }
  });

  it('is proportional to B but for the optimizer, whose cost T does not change', () => {
    for (const cell of CELLS) {
      const f = flops(cell);
      expect(f(5, 6).total - f(5, 6).optimizer).toBe(2 * (f(5, 3).total - f(5, 3).optimizer));
      expect(f(9).optimizer).toBe(f(1).optimizer);
    }
  });

  it('is the sum of the forward pass, the backward pass and the optimizer', () => {
    for (const cell of CELLS) {
      const f = flops(cell);
      expect(f(4).forward + f(4).backward + f(4).optimizer).toBe(f(4).total);
    }
  });

  it('costs more per step for gated cells', () => {
    const f = (cell: 'rnn' | 'gru' | 'lstm') => trainingStepFlops({ cell, V: 65, H: 128, T: 64, B: 32 }).total;
    expect(f('rnn')).toBeLessThan(f('gru'));
    expect(f('gru')).toBeLessThan(f('lstm'));
  });

  it('refuses sizes that are not positive integers', () => {
    expect(() => trainingStepFlops({ cell: 'rnn', V: 0, H: 1, T: 1, B: 1 })).toThrow(/V must be a positive integer/);
    expect(() => trainingStepFlops({ cell: 'lstm', V: 2, H: 1.5, T: 1, B: 1 })).toThrow(/H must/);
  });
});
