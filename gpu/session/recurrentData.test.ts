// The CSV-column forecasting dataset as prepareRecurrentData builds it: the sine task's model shape, the
// 90/10 split, standardisation by the training part, consecutive windows and the persistence baseline.
import { beforeAll, describe, expect, it } from 'vitest';
import { optimizer } from '../optimizer/config.ts';
import { minSeriesLength } from '../data/series.ts';
import { prepareRecurrentData, type RecurrentData } from './recurrentData.ts';
import type { SessionConfig } from './protocol.ts';

const LIMITS = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 };
const noCorpus = async (): Promise<string> => {
  throw new Error('no corpus in this test');
};

const seriesConfig = (values: number[], seqLen: number, batchSize = 4): SessionConfig => ({
  dataset: { kind: 'series', name: 'data.csv', column: 'temp', values },
  cell: 'gru',
  nonlinearity: 'tanh',
  hidden: 8,
  layers: 1,
  seqLen,
  tbptt: seqLen,
  batchSize,
  optimizer: optimizer({ lr: 0.01 }),
  seed: 3,
});

/** Row r = t·B + b of a time-major batch, for sequence b: its T values. */
const sequence = (a: Float32Array, T: number, B: number, b: number) => Array.from({ length: T }, (_, t) => a[t * B + b]);

describe('series dataset', () => {
  it('has exactly the sine task’s model shape', async () => {
    const series = await prepareRecurrentData(
      seriesConfig(
        Array.from({ length: 200 }, (_, i) => Math.sin(i / 5)),
        8,
      ),
      noCorpus,
      LIMITS,
    );
    const sine = await prepareRecurrentData({ ...seriesConfig([], 8), dataset: { kind: 'task', name: 'sine' } }, noCorpus, LIMITS);
    expect(series.model.input).toEqual({ kind: 'real', features: 1 });
    expect([series.model.input, series.model.output, series.model.loss]).toEqual([sine.model.input, sine.model.output, sine.model.loss]);
    expect(series.model.loss).toBe('mse');
    expect(series.vocab).toBeNull();
  });

  describe('a series of 40 values in sequences of 3 (36 to train on, 4 to validate)', () => {
    // Training part (36 values): mean 5, population variance 32/9. Validation part: 7, 4, 6, 6.
    const half = [2, 4, 4, 4, 5, 5, 7, 9, 8, 6, 6, 6, 5, 5, 3, 1, 5, 5];
    const std = Math.sqrt(32 / 9);
    const z = (x: number) => (x - 5) / std;
    let data: RecurrentData;
    beforeAll(async () => {
      data = await prepareRecurrentData(seriesConfig([...half, ...half, 7, 4, 6, 6], 3, 2), noCorpus, LIMITS);
    });

    it('standardises the validation window by the training part’s mean and standard deviation, kept in the metadata', () => {
      const { inputs, targetValues } = data.validation;
      // The validation part holds exactly one window of 4 values: both validation sequences are it.
      for (const b of [0, 1]) {
        sequence(inputs!, 3, 2, b).forEach((v, t) => expect(v).toBeCloseTo(z([7, 4, 6][t]), 6));
        sequence(targetValues!, 3, 2, b).forEach((v, t) => expect(v).toBeCloseTo(z([4, 6, 6][t]), 6));
      }
      expect(JSON.parse(data.metadata['rnnlab.series'])).toEqual({ file: 'data.csv', column: 'temp', mean: 5, std: expect.closeTo(std, 12) });
    });

    it('takes the persistence baseline on the validation part, standardised', () => {
      // Persistence: ((4−7)² + (6−4)² + (6−6)²) / 3 = 13/3 in the data's units, ÷ 32/9 = 39/32 standardised.
      expect(data.baseline).toBeCloseTo(39 / 32, 10);
    });

    it('labels the steps with the validation window’s values', () => {
      expect(data.stepLabels).toEqual(['7', '4', '6']);
    });
  });

  describe('a ramp 0 … 999 in windows of 16, batches of 8', () => {
    // Standardised values map back to their row, so each window's rows can be read off.
    const n = 1000;
    const T = 16;
    const B = 8;
    let data: RecurrentData;
    let row: (v: number) => number;
    beforeAll(async () => {
      data = await prepareRecurrentData(
        seriesConfig(
          Array.from({ length: n }, (_, i) => i),
          T,
          B,
        ),
        noCorpus,
        LIMITS,
      );
      const { mean, std } = JSON.parse(data.metadata['rnnlab.series']) as { mean: number; std: number };
      row = (v: number) => Math.round(v * std + mean);
    });
    /** The rows of the first 5 training batches' windows: inputs and targets per sequence. */
    const trainingWindows = () => {
      const next = data.stream();
      return Array.from({ length: 5 }, () => {
        const batch = next();
        expect([batch.T, batch.B]).toEqual([T, B]);
        return Array.from({ length: B }, (_, b) => ({ x: sequence(batch.inputs!, T, B, b).map(row), y: sequence(batch.targetValues!, T, B, b).map(row) }));
      }).flat();
    };

    it('standardises by the training part, rows 0 … 899', () => {
      const { mean, std } = JSON.parse(data.metadata['rnnlab.series']) as { mean: number; std: number };
      expect(mean).toBe(449.5); // rows 0..899
      expect(std).toBeCloseTo(Math.sqrt((900 * 900 - 1) / 12), 10);
    });

    it('trains on windows of consecutive values inside the training part, each target the next value', () => {
      for (const { x, y } of trainingWindows()) {
        x.forEach((r, t) => expect(r).toBe(x[0] + t));
        y.forEach((r, t) => expect(r).toBe(x[t] + 1));
        expect(x[0]).toBeGreaterThanOrEqual(0);
        expect(y[T - 1], 'a training window stays in the first 900 rows').toBeLessThan(900);
      }
    });

    it('draws the training windows at random: 40 start at more than 30 places, the same for the same seed', () => {
      expect(new Set(trainingWindows().map((w) => w.x[0])).size, '40 random windows start at many places').toBeGreaterThan(30);
      expect(Array.from(data.stream()().inputs!)).toEqual(Array.from(data.stream()().inputs!));
    });

    it('validates on 8 windows spread from row 900 to the last one ending at row 999, labelled by the first', () => {
      const validStarts = Array.from({ length: B }, (_, b) => row(data.validation.inputs![b]));
      expect(validStarts).toEqual([900, 912, 924, 936, 947, 959, 971, 983]);
      expect(data.stepLabels).toEqual(Array.from({ length: T }, (_, t) => String(900 + t)));
    });

    it('takes a persistence baseline of one row per step: (1/std)²', () => {
      const { std } = JSON.parse(data.metadata['rnnlab.series']) as { std: number };
      expect(data.baseline).toBeCloseTo(1 / std ** 2, 8);
    });
  });

  describe('refusals', () => {
    const refusal = (values: number[], seqLen: number) =>
      prepareRecurrentData(seriesConfig(values, seqLen), noCorpus, LIMITS).then(
        () => 'accepted',
        (e: Error) => e.message,
      );
    const ramp = Array.from({ length: 50 }, (_, i) => i);

    it('refuses a value that is not finite, naming its row', async () => {
      expect(
        await refusal(
          ramp.map((v, i) => (i === 17 ? NaN : v)),
          4,
        ),
      ).toBe('dataset: “data.csv”, column “temp”: row 18 holds NaN, not a finite number');
      expect(
        await refusal(
          ramp.map((v, i) => (i === 3 ? Infinity : v)),
          4,
        ),
      ).toMatch(/row 4 holds Infinity/);
    });

    it('refuses a series too short for its sequences once 10% is kept for validation', async () => {
      expect(minSeriesLength(4)).toBe(41);
      expect(await refusal(ramp.slice(0, 40), 4)).toMatch(
        /the series has 40 values, too short for sequences of 4 \(10% is kept for validation, so it needs at least 41\)/,
      );
      expect(await refusal(ramp, 4)).toBe('accepted');
    });

    it('refuses a series whose training part is constant, naming the value', async () => {
      expect(await refusal([...Array(45).fill(2.5), 1, 2, 3, 4, 5], 4)).toMatch(/first 90% of the series is constant \(every value is 2.5\)/);
    });
  });
});
