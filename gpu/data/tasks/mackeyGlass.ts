// Mackey-Glass forecasting: dx/dt = β x(t−τ) / (1 + x(t−τ)^n) − γ x(t), β = 0.2, γ = 0.1, n = 10,
// τ = 17 (the classic chaotic regime). Integrated once per task with RK4 at dt = 0.1 (the delayed term
// at half steps is the mean of its two grid neighbours), from x = 1.2 on t ≤ 0, sampled every 1 time
// unit after a transient of 1000 time units. The series is standardised (mean 0, std 1, statistics of
// the training part) and split: training windows come from the first part, validation windows from the
// held-out tail. A window of T + 1 samples at a random offset gives inputs x_o..x_{o+T−1} (1 feature)
// and targets x_{o+1}..x_{o+T} (loss 'mse', output 1).
//
// Baseline: persistence (predict x_{t+1} = x_t), its MSE measured on the first BASELINE_SEQUENCES
// validation windows.

import type { Rng } from '../../core/rng.ts';
import type { Batch } from '../batch.ts';
import { BASELINE_SEQUENCES, checkB, checkSeed, checkT, fillBatch, persistenceMse, type Task, type TaskOptions } from './task.ts';

export const MACKEY_GLASS = { beta: 0.2, gamma: 0.1, n: 10, tau: 17, dt: 0.1, x0: 1.2, transient: 1000 } as const;

const SUBSTEPS = Math.round(1 / MACKEY_GLASS.dt);
const DELAY = Math.round(MACKEY_GLASS.tau / MACKEY_GLASS.dt);

function derivative(x: number, delayed: number): number {
  const d2 = delayed * delayed;
  const d4 = d2 * d2;
  const d10 = d4 * d4 * d2; // x^10 by products: exact and engine-independent, unlike Math.pow
  return (MACKEY_GLASS.beta * delayed) / (1 + d10) - MACKEY_GLASS.gamma * x;
}

const cache = new Map<number, Float64Array>();

/** `samples` raw Mackey-Glass values, one per time unit, after the transient. Deterministic; cached. */
export function mackeyGlassSeries(samples: number): Float64Array {
  const hit = cache.get(samples);
  if (hit) return hit;
  const { dt, x0, transient } = MACKEY_GLASS;
  const steps = (transient + samples) * SUBSTEPS;
  // fine[DELAY + i] = x(i·dt); fine[0..DELAY] is the constant initial history x0 on [−τ, 0].
  const fine = new Float64Array(DELAY + steps + 1).fill(x0, 0, DELAY + 1);
  for (let i = DELAY; i < DELAY + steps; i++) {
    const x = fine[i];
    const d0 = fine[i - DELAY];
    const d1 = fine[i - DELAY + 1];
    const dm = 0.5 * (d0 + d1);
    const k1 = derivative(x, d0);
    const k2 = derivative(x + 0.5 * dt * k1, dm);
    const k3 = derivative(x + 0.5 * dt * k2, dm);
    const k4 = derivative(x + dt * k3, d1);
    fine[i + 1] = x + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  const out = new Float64Array(samples);
  for (let s = 0; s < samples; s++) out[s] = fine[DELAY + (transient + s + 1) * SUBSTEPS];
  if (cache.size > 8) cache.clear();
  cache.set(samples, out);
  return out;
}

export function mackeyGlassTask({ T, seed }: TaskOptions): Task {
  checkT('mackey-glass', T, 1);
  checkSeed('mackey-glass', seed);
  const trainSamples = Math.max(8000, 4 * (T + 1));
  const validSamples = Math.max(2000, 2 * (T + 1));
  const raw = mackeyGlassSeries(trainSamples + validSamples);
  let mean = 0;
  for (let i = 0; i < trainSamples; i++) mean += raw[i];
  mean /= trainSamples;
  let variance = 0;
  for (let i = 0; i < trainSamples; i++) variance += (raw[i] - mean) ** 2;
  const std = Math.sqrt(variance / trainSamples);
  const series = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) series[i] = (raw[i] - mean) / std;

  const make = (B: number, source: Rng | { seed: number }, start: number, count: number): Batch => {
    checkB('mackey-glass', B);
    const inputs = new Float32Array(T * B);
    const targetValues = new Float32Array(T * B);
    const lengths = new Uint32Array(B).fill(T);
    const offsets = count - T; // windows of T + 1 samples inside [start, start + count)
    return fillBatch(
      { T, B, inputs, targetValues, lengths },
      (b, rng) => {
        const o = start + rng.int(offsets);
        for (let t = 0; t < T; t++) {
          inputs[t * B + b] = series[o + t];
          targetValues[t * B + b] = series[o + t + 1];
        }
      },
      source,
    );
  };

  return {
    name: 'mackey-glass',
    description: 'Forecast the next value of the chaotic Mackey-Glass series (τ = 17), standardised.',
    predictsNextInput: true,
    model: { input: { kind: 'real', features: 1 }, output: 1, loss: 'mse' },
    batch: (B, rng) => make(B, rng, 0, trainSamples),
    validation: (B) => make(B, { seed }, trainSamples, validSamples),
    baseline: persistenceMse(make(BASELINE_SEQUENCES, { seed }, trainSamples, validSamples)),
  };
}
