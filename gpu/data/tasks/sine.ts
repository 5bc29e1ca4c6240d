// Noisy sine forecasting: x_t = sin(ω t + φ) + ε_t, ω ~ U[0.1, 0.3], φ ~ U[0, 2π), ε_t ~ N(0, 0.05²)
// (Box-Muller), per sequence. Inputs x_0..x_{T−1} (1 feature), targets x_1..x_T (loss 'mse', output 1):
// the target at step t is the input at step t + 1.
//
// Baseline: persistence (predict x_{t+1} = x_t), its MSE measured on the first BASELINE_SEQUENCES
// validation sequences.

import type { Rng } from '../../core/rng.ts';
import type { Batch } from '../batch.ts';
import { BASELINE_SEQUENCES, checkB, checkSeed, checkT, fillBatch, gaussian, persistenceMse, type Task, type TaskOptions } from './task.ts';

export const SINE_NOISE = 0.05;

export function sineTask({ T, seed }: TaskOptions): Task {
  checkT('sine', T, 1);
  checkSeed('sine', seed);
  const series = new Float32Array(T + 1);

  const make = (B: number, source: Rng | { seed: number }): Batch => {
    checkB('sine', B);
    const inputs = new Float32Array(T * B);
    const targetValues = new Float32Array(T * B);
    const lengths = new Uint32Array(B).fill(T);
    return fillBatch(
      { T, B, inputs, targetValues, lengths },
      (b, rng) => {
        const omega = 0.1 + 0.2 * rng.uniform();
        const phi = 2 * Math.PI * rng.uniform();
        for (let t = 0; t <= T; t++) series[t] = Math.sin(omega * t + phi) + SINE_NOISE * gaussian(rng);
        for (let t = 0; t < T; t++) {
          inputs[t * B + b] = series[t];
          targetValues[t * B + b] = series[t + 1];
        }
      },
      source,
    );
  };

  return {
    name: 'sine',
    description: 'Forecast the next value of a noisy sine wave of random frequency and phase.',
    predictsNextInput: true,
    model: { input: { kind: 'real', features: 1 }, output: 1, loss: 'mse' },
    batch: (B, rng) => make(B, rng),
    validation: (B) => make(B, { seed }),
    baseline: persistenceMse(make(BASELINE_SEQUENCES, { seed })),
  };
}
