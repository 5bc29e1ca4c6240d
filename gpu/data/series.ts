// A user's numeric series (one CSV column) as a forecasting dataset, shaped like the sine task:
// inputs x_t (1 feature), targets x_{t+1} (loss 'mse', output 1).
//
// The first 90% of the values train, the last 10% validate. Both parts are standardised with the mean
// and (population) standard deviation of the training part only, so nothing about the validation
// part leaks into training. The baseline is persistence (predict x_{t+1} = x_t) over the whole
// validation part, in standardised units: the loss a model with no memory of the dynamics scores.

import type { Batch } from './batch.ts';

/** The share of the values kept for training; the rest validates (as with text). */
export const SERIES_TRAIN_FRACTION = 0.9;

/** The fewest values whose validation part holds one window of seqLen + 1 values. */
export function minSeriesLength(seqLen: number): number {
  let n = seqLen + 1;
  while (n - Math.floor(n * SERIES_TRAIN_FRACTION) < seqLen + 1) n++;
  return n;
}

export interface StandardisedSeries {
  /** Standardised training values (the first 90%). */
  train: Float32Array;
  /** Standardised validation values (the last 10%). */
  valid: Float32Array;
  /** Mean and population standard deviation of the training part, in the data's units. */
  mean: number;
  std: number;
  /** Persistence MSE over the validation part, in standardised units. */
  baseline: number;
}

/** Splits and standardises `values`; throws an Error saying what is wrong with them. */
export function standardiseSeries(values: ArrayLike<number>, seqLen: number): StandardisedSeries {
  const n = values.length;
  for (let i = 0; i < n; i++)
    if (typeof values[i] !== 'number' || !Number.isFinite(values[i])) throw new Error(`row ${i + 1} holds ${String(values[i])}, not a finite number`);
  const min = minSeriesLength(seqLen);
  if (n < min) throw new Error(`the series has ${n} values, too short for sequences of ${seqLen} (10% is kept for validation, so it needs at least ${min})`);
  const split = Math.floor(n * SERIES_TRAIN_FRACTION);
  let sum = 0;
  for (let i = 0; i < split; i++) sum += values[i];
  const mean = sum / split;
  let squares = 0;
  for (let i = 0; i < split; i++) squares += (values[i] - mean) ** 2;
  const std = Math.sqrt(squares / split);
  if (std === 0) throw new Error(`the first 90% of the series is constant (every value is ${values[0]}): there is nothing to forecast`);
  if (!Number.isFinite(std)) throw new Error('the values are too large to standardise (their spread overflows a float64)');
  const z = (i: number) => (values[i] - mean) / std;
  let persistence = 0;
  for (let i = split + 1; i < n; i++) persistence += (z(i) - z(i - 1)) ** 2;
  return {
    train: Float32Array.from({ length: split }, (_, i) => z(i)),
    valid: Float32Array.from({ length: n - split }, (_, i) => z(split + i)),
    mean,
    std,
    baseline: persistence / (n - split - 1),
  };
}

/** A batch of windows of T + 1 consecutive values starting at `starts[b]`: inputs x_t, targets x_{t+1}. */
export function seriesBatch(z: Float32Array, starts: readonly number[], T: number): Batch {
  const B = starts.length;
  const inputs = new Float32Array(T * B);
  const targetValues = new Float32Array(T * B);
  starts.forEach((s, b) => {
    if (!(Number.isInteger(s) && s >= 0 && s + T < z.length))
      throw new Error(`window start ${s} leaves no room for ${T + 1} values in a series of ${z.length}`);
    for (let t = 0; t < T; t++) {
      inputs[t * B + b] = z[s + t];
      targetValues[t * B + b] = z[s + t + 1];
    }
  });
  return { T, B, inputs, targetValues, lengths: new Uint32Array(B).fill(T) };
}

/** B window starts spread evenly from the first possible one to the last: the validation windows. */
export function evenStarts(length: number, T: number, B: number): number[] {
  const last = length - T - 1;
  return Array.from({ length: B }, (_, b) => (B === 1 ? 0 : Math.round((b * last) / (B - 1))));
}
